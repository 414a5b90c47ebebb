/// A subscriber's place in the event streams: per origin, the last sequence it has and
/// up to which sequence losses were already reported to it.
///
/// Written as marks joined by `.`: `<origin>-<sequence>`, or `<origin>-<sequence>-<reported>`
/// once a gap was reported whose losses reach past `sequence`. A stream's SSE `id:` is its
/// cursor after the event, so `Last-Event-ID` resumes exactly after it; with one origin and
/// no gap the cursor is the event's own `id`.
public struct EventCursor: Sendable, Equatable, CustomStringConvertible {
    public struct Mark: Sendable, Equatable {
        public var origin: String
        public var sequence: UInt64
        /// Events of this origin up to here that were dropped are already reported (`ccgw.gap`).
        public var reportedThrough: UInt64

        public init(origin: String, sequence: UInt64, reportedThrough: UInt64 = 0) {
            self.origin = origin
            self.sequence = sequence
            self.reportedThrough = reportedThrough
        }

        /// Losses after this sequence are news to the subscriber.
        public var lossesUnreportedAfter: UInt64 { max(sequence, reportedThrough) }
    }

    public private(set) var marks: [Mark]

    public init(marks: [Mark] = []) { self.marks = marks }

    /// The longest cursor accepted (`Last-Event-ID`, `?after=`).
    public static let maxLength = 512

    /// Reads a cursor; nil when it is not one (the caller answers 400).
    public init?(_ text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength else { return nil }
        var marks: [Mark] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            let fields = part.split(separator: "-", omittingEmptySubsequences: false)
            guard fields.count == 2 || fields.count == 3, let id = EventID("\(fields[0])-\(fields[1])") else { return nil }
            var mark = Mark(origin: id.origin, sequence: id.sequence)
            if fields.count == 3 {
                guard let reported = Self.number(fields[2]), reported > id.sequence else { return nil }
                mark.reportedThrough = reported
            }
            guard !marks.contains(where: { $0.origin == mark.origin }) else { return nil }
            marks.append(mark)
        }
        self.marks = marks
    }

    private static func number(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }

    public var description: String {
        marks.map { mark in
            mark.reportedThrough > mark.sequence
                ? "\(mark.origin)-\(mark.sequence)-\(mark.reportedThrough)" : "\(mark.origin)-\(mark.sequence)"
        }.joined(separator: ".")
    }

    public func mark(for origin: String) -> Mark? { marks.first { $0.origin == origin } }

    /// The cursor after `id`: its origin's mark moves to it (the mark leads, so the text
    /// starts with the event's own id).
    public mutating func advance(to id: EventID) {
        if let index = marks.firstIndex(where: { $0.origin == id.origin }) {
            var mark = marks.remove(at: index)
            mark.sequence = max(mark.sequence, id.sequence)
            if mark.reportedThrough <= mark.sequence { mark.reportedThrough = 0 }
            marks.insert(mark, at: 0)
        } else {
            marks.insert(Mark(origin: id.origin, sequence: id.sequence), at: 0)
        }
    }

    /// Losses of `origin` up to `sequence` are reported now.
    public mutating func reported(origin: String, through sequence: UInt64) {
        if let index = marks.firstIndex(where: { $0.origin == origin }) {
            if sequence > marks[index].sequence { marks[index].reportedThrough = max(marks[index].reportedThrough, sequence) }
        } else {
            marks.append(Mark(origin: origin, sequence: 0, reportedThrough: sequence))
        }
    }

    /// A gap was reported: its losses count as said, and marks of origins the log does not
    /// know (an earlier process) are dropped.
    public mutating func report(_ gap: EventLog.Gap) {
        for (origin, through) in gap.reportedThrough.sorted(by: { $0.key < $1.key }) { reported(origin: origin, through: through) }
        retain(origins: Set(gap.reportedThrough.keys))
    }

    /// Forgets the marks of origins that are not in `keep` (a dead process's marks are
    /// dropped once what became of its events was reported).
    public mutating func retain(origins keep: Set<String>) { marks.removeAll { !keep.contains($0.origin) } }
}
