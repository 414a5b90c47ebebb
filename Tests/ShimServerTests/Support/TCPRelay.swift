import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP relay on a free loopback port to `127.0.0.1:<target>`, which a test can cut
/// (every relayed connection is closed and new ones are closed at once) and restore:
/// one member cut off from etcd while everything else still reaches it (issue #11).
final class TCPRelay: Sendable {
    let port: Int
    private let server: any Channel
    private let state = NIOLockedValueBox<(cut: Bool, open: [any Channel])>((false, []))

    init(target: Int) async throws {
        let state = self.state
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                if state.withLockedValue({ $0.cut }) { return inbound.close() }
                let handler = RelayHandler(partner: nil)
                return inbound.pipeline.addHandler(handler).flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in outbound.pipeline.addHandler(RelayHandler(partner: inbound)) }
                        .connect(host: "127.0.0.1", port: target)
                        .map { outbound in
                            handler.connect(outbound)
                            state.withLockedValue { $0.open += [inbound, outbound] }
                        }
                        .flatMapError { _ in inbound.close() }
                }
            }
        server = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = server.localAddress?.port ?? 0
    }

    /// Closes every relayed connection and refuses (closes at once) new ones.
    func cut() {
        let open = state.withLockedValue { state in
            state.cut = true
            defer { state.open = [] }
            return state.open
        }
        for channel in open { channel.close(promise: nil) }
    }

    func restore() { state.withLockedValue { $0.cut = false } }

    func stop() async {
        cut()
        try? await server.close()
    }
}

/// Copies what one side reads to its partner; closes the partner when its side closes.
/// Both sides of a pair live on the same event loop, so no lock is needed.
private final class RelayHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var partner: (any Channel)?
    private var pending: [ByteBuffer] = []

    init(partner: (any Channel)?) { self.partner = partner }

    /// The outbound connection is up: send what arrived meanwhile.
    func connect(_ channel: any Channel) {
        partner = channel
        for buffer in pending { channel.write(buffer, promise: nil) }
        pending = []
        channel.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let partner { partner.writeAndFlush(buffer, promise: nil) } else { pending.append(buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
