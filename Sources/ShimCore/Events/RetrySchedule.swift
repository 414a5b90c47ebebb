/// When to try a failed webhook delivery again: from `base`, doubling up to `cap`, each
/// pause drawn between half and all of that (jitter, so receivers that come back are not
/// hit by every sender at once). An event is never tried once it is `maxAge` old.
public struct RetrySchedule: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        self.base = base
        self.cap = cap
    }

    /// The pause after the `failures`-th failed attempt (1-based), with `unit` a random
    /// number in 0...1 for the jitter.
    public func pause(after failures: Int, unit: Double) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        var ceiling = base * (1 << exponent)
        if ceiling > cap { ceiling = cap }
        return ceiling * (0.5 + 0.5 * min(max(unit, 0), 1))
    }

    /// Whether another attempt may start at `age` (of the event) after a pause of `pause`.
    public static func mayTry(age: Duration, pause: Duration, maxAge: Duration) -> Bool { age + pause < maxAge }
}
