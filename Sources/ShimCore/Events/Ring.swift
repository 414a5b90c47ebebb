/// A bounded FIFO: appending to a full ring drops (and returns) the oldest element.
/// Storage grows up to the capacity as elements arrive, so an idle agent costs nothing;
/// removing from the front is O(1).
public struct Ring<Element>: Sendable where Element: Sendable {
    public let capacity: Int
    private var storage: [Element?] = []
    private var start = 0
    public private(set) var count = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var isEmpty: Bool { count == 0 }

    /// Oldest first.
    public subscript(position: Int) -> Element { storage[(start + position) % storage.count]! }

    public var first: Element? { isEmpty ? nil : self[0] }

    /// Appends `element`; returns the element it pushed out when the ring was full.
    @discardableResult
    public mutating func append(_ element: Element) -> Element? {
        if count < storage.count {
            storage[(start + count) % storage.count] = element
            count += 1
            return nil
        }
        if storage.count < capacity {
            if start != 0 {
                storage = (0..<count).map { storage[(start + $0) % storage.count] }
                start = 0
            }
            storage.append(element)
            count += 1
            return nil
        }
        let dropped = storage[start]
        storage[start] = element
        start = (start + 1) % capacity
        return dropped
    }

    /// Removes and returns the oldest element.
    @discardableResult
    public mutating func removeFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[start]
        storage[start] = nil
        start = (start + 1) % storage.count
        count -= 1
        return element
    }
}
