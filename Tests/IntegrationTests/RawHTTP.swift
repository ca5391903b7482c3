// RawHTTP: a plain TCP client for the bad-input suite. It writes exactly the bytes a test gives it (broken
// request lines, lying Content-Length, smuggling headers), so that what reaches the gateway is not tidied up
// by an HTTP library, and reads back the first response the server sends.
import Foundation

struct RawResponse: CustomStringConvertible {
    var status: Int
    /// Header names lower-cased.
    var headers: [String: String]
    var body: Data
    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    /// The API's error `type`, when the body is the documented error shape.
    var errorType: String? { ((json as? [String: Any])?["error"] as? [String: Any])?["type"] as? String }
    var description: String { "\(status) \(errorType ?? "") \(String(decoding: body.prefix(200), as: UTF8.self))" }
}

struct RawHTTPError: Error, CustomStringConvertible {
    let description: String
}

enum RawHTTP {
    /// Connects to 127.0.0.1:`port`, writes `request` (in `chunks`, pausing `pause` between them), and reads
    /// until one response is complete or the server closes. `status` 0 means the server closed without a
    /// response. Runs off the cooperative pool (blocking socket calls).
    static func send(port: Int, _ chunks: [Data], pause: Double = 0, timeout: Double = 60) async throws -> RawResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try sendBlocking(port: port, chunks, pause: pause, timeout: timeout) })
            }
        }
    }

    static func send(port: Int, _ request: Data, timeout: Double = 60) async throws -> RawResponse {
        try await send(port: port, [request], timeout: timeout)
    }

    /// A request with the given head lines and body; adds Host, Connection: close and (unless the head has one)
    /// a correct Content-Length.
    static func request(_ requestLine: String, headers: [String] = [], body: Data = Data()) -> Data {
        var head = [requestLine, "Host: 127.0.0.1", "Connection: close"] + headers
        let hasLength = headers.contains { $0.lowercased().hasPrefix("content-length:") || $0.lowercased().hasPrefix("transfer-encoding:") }
        if !hasLength && (!body.isEmpty || requestLine.hasPrefix("POST")) { head.append("Content-Length: \(body.count)") }
        return Data((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    private static func sendBlocking(port: Int, _ chunks: [Data], pause: Double, timeout: Double) throws -> RawResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawHTTPError(description: "connect to port \(port): errno \(errno)") }

        // Write everything (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE); a server that answers early (413) and closes may make the rest fail, which is fine.
        for (i, chunk) in chunks.enumerated() {
            if i > 0 && pause > 0 { usleep(UInt32(pause * 1_000_000)) }
            var offset = 0
            while offset < chunk.count {
                let n = chunk.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + offset, chunk.count - offset, Int32(MSG_NOSIGNAL))
                }
                if n <= 0 { break }
                offset += n
            }
            if offset < chunk.count { break }
        }

        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = parse(received) { return response }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw RawHTTPError(description: "no complete response within \(timeout) s (\(received.count) bytes read)")
            }
            // Closed (or reset): whatever arrived is the answer.
            return parse(received, closed: true) ?? RawResponse(status: 0, headers: [:], body: received)
        }
    }

    /// One response from the start of `data`, once it is complete (by Content-Length, chunked, or close).
    private static func parse(_ data: Data, closed: Bool = false) -> RawResponse? {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/") else { return nil }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = data[end.upperBound...]
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard rest.count >= length else { return closed ? RawResponse(status: status, headers: headers, body: Data(rest)) : nil }
            return RawResponse(status: status, headers: headers, body: Data(rest.prefix(length)))
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            guard let body = dechunk(Data(rest)) else { return closed ? RawResponse(status: status, headers: headers, body: Data(rest)) : nil }
            return RawResponse(status: status, headers: headers, body: body)
        }
        return closed ? RawResponse(status: status, headers: headers, body: Data(rest)) : nil
    }

    private static func dechunk(_ data: Data) -> Data? {
        var out = Data()
        var i = data.startIndex
        while true {
            guard let lineEnd = data[i...].range(of: Data("\r\n".utf8)) else { return nil }
            let sizeText = String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            let start = lineEnd.upperBound
            if size == 0 { return out }
            guard data.distance(from: start, to: data.endIndex) >= size + 2 else { return nil }
            out.append(data[start..<data.index(start, offsetBy: size)])
            i = data.index(start, offsetBy: size + 2)
        }
    }
}
