// OpenAPIValidator: checks JSON values against the schemas of API/openapi.json (the subset of JSON Schema it uses),
// so the gateway and integration tests can hold the gateway to its published contract.
import Foundation

public struct OpenAPIValidator {
    public let document: [String: Any]

    public init(path: String = RepositoryPaths.file("API/openapi.json")) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        document = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The response schema of `method path` for `status` (nil if the document does not declare it).
    public func responseSchema(method: String, path: String, status: Int) -> [String: Any]? {
        let paths = document["paths"] as! [String: Any]
        guard let op = (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any],
              let responses = op["responses"] as? [String: Any],
              let r = responses[String(status)] as? [String: Any] else { return nil }
        let content = r["content"] as? [String: Any]
        return (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] ?? ["type": "string"]
    }

    /// The header names `method path` declares for `status` (e.g. `Retry-After` on a 429).
    public func responseHeaders(method: String, path: String, status: Int) -> Set<String> {
        let paths = document["paths"] as! [String: Any]
        let op = (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
        let r = (op?["responses"] as? [String: Any])?[String(status)] as? [String: Any]
        return Set(((r?["headers"] as? [String: Any]) ?? [:]).keys)
    }

    public func requestSchema(method: String, path: String) -> [String: Any]? {
        let paths = document["paths"] as! [String: Any]
        let op = (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
        let body = op?["requestBody"] as? [String: Any]
        return ((body?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    /// Every violation of `schema` by `value`, as `path: problem` strings (empty when valid).
    public func violations(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            let name = String(ref.split(separator: "/").last!)
            let schemas = (document["components"] as! [String: Any])["schemas"] as! [String: Any]
            return violations(value, schemas[name] as! [String: Any], at: path)
        }
        var out: [String] = []
        if let type = schema["type"] as? String {
            let ok: Bool
            switch type {
            case "object": ok = value is [String: Any]
            case "array": ok = value is [Any]
            case "string": ok = value is String
            case "boolean": ok = isJSONBool(value)
            case "integer": ok = !isJSONBool(value) && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
            case "number": ok = !isJSONBool(value) && value is NSNumber
            default: ok = true
            }
            if !ok { return ["\(path): expected \(type), got \(Swift.type(of: value))"] }
        }
        if let allowed = schema["enum"] as? [String], let s = value as? String, !allowed.contains(s) {
            out.append("\(path): \(s) not in \(allowed)")
        }
        if let n = value as? NSNumber {
            if let min = schema["minimum"] as? Double, n.doubleValue < min { out.append("\(path): \(n) < \(min)") }
            if let max = schema["maximum"] as? Double, n.doubleValue > max { out.append("\(path): \(n) > \(max)") }
        }
        if let s = value as? String, let minLength = schema["minLength"] as? Int, s.count < minLength {
            out.append("\(path): shorter than \(minLength)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                out.append("\(path): missing required \(key)")
            }
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] {
                    out += violations(v, p, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    out += violations(v, extra, at: "\(path).\(key)")
                } else if (schema["additionalProperties"] as? Bool) == false {
                    out.append("\(path): undeclared property \(key)")
                }
            }
        }
        if let array = value as? [Any] {
            if let min = schema["minItems"] as? Int, array.count < min { out.append("\(path): fewer than \(min) items") }
            if let max = schema["maxItems"] as? Int, array.count > max { out.append("\(path): more than \(max) items") }
            if let items = schema["items"] as? [String: Any] {
                for (i, v) in array.enumerated() { out += violations(v, items, at: "\(path)[\(i)]") }
            }
        }
        return out
    }
}

/// JSONSerialization on Linux returns booleans as `__NSCFBoolean` (which also casts to NSNumber and Int).
func isJSONBool(_ value: Any) -> Bool {
    type(of: value) == Bool.self || String(describing: type(of: value)) == "__NSCFBoolean"
}
