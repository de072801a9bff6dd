import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The connections being served: counted against `max_connections` as they are
/// accepted, and quiesced at shutdown.
final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Connections refused since the count last reached the limit; 0 outside such a burst.
        var refusedInBurst = 0
    }

    enum Admission {
        case admitted
        case refused(firstOfBurst: Bool)
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    var all: [any Channel] { state.withLockedValue { Array($0.channels.values) } }

    var isEmpty: Bool { state.withLockedValue { $0.channels.isEmpty } }

    func admit(_ channel: any Channel) -> Admission {
        state.withLockedValue { state in
            guard state.channels.count >= limit else {
                state.channels[ObjectIdentifier(channel)] = channel
                return .admitted
            }
            state.refusedInBurst += 1
            return .refused(firstOfBurst: state.refusedInBurst == 1)
        }
    }

    /// Forgets a closed connection. Returns how many were refused in the burst
    /// this ends: a burst ends only once a tenth of the slots are free again, so
    /// clients hammering at the limit do not make one log line per connection.
    func remove(_ channel: any Channel) -> Int? {
        state.withLockedValue { state in
            state.channels.removeValue(forKey: ObjectIdentifier(channel))
            guard state.refusedInBurst > 0, state.channels.count <= limit - max(1, limit / 10) else { return nil }
            defer { state.refusedInBurst = 0 }
            return state.refusedInBurst
        }
    }
}

/// On the listening socket: closes connections beyond `max_connections` before
/// any handler or buffer is set up for them.
final class ConnectionLimiter: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let connections: OpenConnections
    private let logger: Logger

    init(connections: OpenConnections, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        acceptIsFailing = false
        switch connections.admit(connection) {
        case .admitted:
            let connections = self.connections
            let logger = self.logger
            connection.closeFuture.whenComplete { _ in
                if let refused = connections.remove(connection) {
                    logger.notice(
                        "accepting connections again; refused \(refused) while max_connections (\(connections.limit)) were open"
                    )
                }
            }
            context.fireChannelRead(data)
        case .refused(let firstOfBurst):
            if firstOfBurst {
                logger.warning(
                    "max_connections (\(connections.limit)) are open: closing new connections until some finish")
            }
            connection.close(promise: nil)
        }
    }

    /// Accepting fails when the process runs out of file descriptors, and the
    /// listening socket then reports it on every wakeup: say so once per spell.
    private var acceptIsFailing = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !acceptIsFailing {
            acceptIsFailing = true
            logger.error(
                "cannot accept connections: \(String(describing: error)) (is max_connections above the open file limit?)"
            )
        }
        context.fireErrorCaught(error)
    }
}
