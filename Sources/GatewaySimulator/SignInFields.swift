/// The sign-in body fields the simulator checks; nil fields were missing or not strings.
struct SignInFields: Sendable {
    var password: String?
    var phone: String?
}
