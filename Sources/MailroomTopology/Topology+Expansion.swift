// Topology+Expansion: `{placeholder}` expansion, per-replica instances and endpoint addresses.

/// Where a template is expanded, which decides the placeholders it may use.
enum ExpansionScope {
    /// A `[topology]` value: earlier variables only.
    case variables
    /// An `[endpoints]` address for one replica of its owner: variables, `{replica}`, `{name}`.
    case endpoint(owner: String, replica: Int)
    /// A process's executable, args or env for one replica: everything, including `{own:E}` and `{all:E}`.
    case process(name: String, replica: Int)
}

extension Topology {
    /// Every replica of every process with placeholders expanded, in declaration order (replica 0 first).
    /// - Throws: ``TopologyError`` when a placeholder, endpoint owner or address is wrong (after editing
    ///   ``processes`` in code, for example).
    public func instances() throws -> [ProcessInstance] {
        try validatedInstances()
    }

    /// The address of endpoint `name` for one replica of its owner, e.g. `ipc://.mailroom/run/classifier-1.sock`.
    /// - Throws: ``TopologyError/unknownEndpoint(_:_:)`` or ``TopologyError/replicaOutOfRange(endpoint:replica:replicas:)``.
    public func endpoint(_ name: String, replica: Int) throws -> String {
        guard let spec = endpoints.first(where: { $0.name == name }) else {
            throw TopologyError.unknownEndpoint(SourceLocation(file: file, line: 0), name)
        }
        let replicas = process(named: spec.owner)?.replicas ?? 0
        guard replica >= 0 && replica < replicas else {
            throw TopologyError.replicaOutOfRange(endpoint: name, replica: replica, replicas: replicas)
        }
        return try address(of: spec, replica: replica)
    }

    /// Every address of endpoint `name`, one per replica of its owner.
    public func addresses(of name: String) throws -> [String] {
        guard let spec = endpoints.first(where: { $0.name == name }) else {
            throw TopologyError.unknownEndpoint(SourceLocation(file: file, line: 0), name)
        }
        let replicas = process(named: spec.owner)?.replicas ?? 0
        return try (0..<replicas).map { (replica) throws(TopologyError) -> String in
            try address(of: spec, replica: replica)
        }
    }

    /// Checks endpoints (owners, addresses, collisions) and expands every process; replicas = 0 processes are
    /// expanded once for checking but produce no instance.
    func validatedInstances() throws(TopologyError) -> [ProcessInstance] {
        var users: [String: String] = [:]  // address -> "endpoint[replica]" that first used it
        for spec in endpoints {
            guard let owner = process(named: spec.owner) else {
                throw .unknownEndpointOwner(spec.location, endpoint: spec.name, owner: spec.owner)
            }
            for replica in 0..<max(owner.replicas, 1) {
                let address = try address(of: spec, replica: replica)
                guard replica < owner.replicas else { continue }
                let user = "\(spec.name)[\(replica)]"
                if let first = users[address] {
                    throw .addressCollision(spec.location, address: address, endpoints: [first, user])
                }
                users[address] = user
            }
        }
        var result: [ProcessInstance] = []
        for spec in processes {
            for replica in 0..<max(spec.replicas, 1) {
                let instance = try instance(of: spec, replica: replica)
                if replica < spec.replicas { result.append(instance) }
            }
        }
        return result
    }

    func instance(of spec: ProcessSpec, replica: Int) throws(TopologyError) -> ProcessInstance {
        let scope = ExpansionScope.process(name: spec.name, replica: replica)
        let executable = try expand(spec.executable, at: at(spec.executableLine), scope: scope)
        var arguments: [String] = []
        for argument in spec.arguments {
            arguments.append(try expand(argument, at: at(spec.argumentsLine), scope: scope))
        }
        var environment: [String: String] = [:]
        for (key, value) in spec.environment {
            environment[key] = try expand(value, at: at(spec.environmentLines[key] ?? spec.location.line), scope: scope)
        }
        return ProcessInstance(id: "\(spec.name)-\(replica)", process: spec.name, replica: replica,
                               executable: executable, arguments: arguments, environment: environment,
                               restart: spec.restart)
    }

    func address(of spec: EndpointSpec, replica: Int) throws(TopologyError) -> String {
        try expand(spec.address, at: spec.location, scope: .endpoint(owner: spec.owner, replica: replica))
    }

    private func at(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

    /// Replaces every `{placeholder}` in `template`; `{{` and `}}` stand for literal braces.
    func expand(_ template: String, at location: SourceLocation,
                scope: ExpansionScope) throws(TopologyError) -> String {
        var result = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            let next = template.index(after: index)
            if (character == "{" || character == "}") && next < template.endIndex && template[next] == character {
                result.append(character)
                index = template.index(after: next)
            } else if character == "{" {
                guard let close = template[next...].firstIndex(of: "}") else {
                    throw .unterminated(location, "placeholder: '{' without '}' in '\(template)'")
                }
                result += try resolve(String(template[next..<close]), at: location, scope: scope)
                index = template.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }

    private func resolve(_ key: String, at location: SourceLocation,
                         scope: ExpansionScope) throws(TopologyError) -> String {
        let replica: Int?
        let name: String?
        switch scope {
        case .variables: (replica, name) = (nil, nil)
        case .endpoint(let owner, let r): (replica, name) = (r, owner)
        case .process(let process, let r): (replica, name) = (r, process)
        }
        if let value = variables[key] { return value }
        if let rendering, case .process = scope {
            // One pod template for every replica: the replica is the runtime's, and each replica has an address
            // of its own, so a port offset per replica collapses to its base.
            if key == "replica" { return rendering.replicaText }
            if let base = replicaOffset(key) { return String(base) }
        }
        if let replica {
            if key == "replica" { return String(replica) }
            if let base = replicaOffset(key) { return String(base + replica) }
        }
        if key == "name", let name { return name }
        if case .process(let current, let replica) = scope {
            if key.hasPrefix("own:") {
                let spec = try endpointSpec(String(key.dropFirst(4)), at: location)
                guard spec.owner == current else {
                    throw .notEndpointOwner(location, endpoint: spec.name, process: current, owner: spec.owner)
                }
                if let bind = rendering?.bindAddresses[spec.name] { return bind }
                return try address(of: spec, replica: replica)
            }
            if key.hasPrefix("all:") {
                let spec = try endpointSpec(String(key.dropFirst(4)), at: location)
                guard let owner = process(named: spec.owner) else {
                    throw .unknownEndpointOwner(spec.location, endpoint: spec.name, owner: spec.owner)
                }
                var addresses: [String] = []
                for ownerReplica in 0..<(rendering?.addressedReplicas[owner.name] ?? owner.replicas) {
                    addresses.append(try address(of: spec, replica: ownerReplica))
                }
                return addresses.joined(separator: ",")
            }
        }
        throw .unknownPlaceholder(location, key, allowed: allowedPlaceholders(in: scope))
    }

    private func endpointSpec(_ name: String, at location: SourceLocation) throws(TopologyError) -> EndpointSpec {
        guard let spec = endpoints.first(where: { $0.name == name }) else { throw .unknownEndpoint(location, name) }
        return spec
    }

    /// `N` for a placeholder `N+replica` or `replica+N`, where N is a number or a `[topology]` variable holding one
    /// (`{pub_port+replica}`), else nil.
    private func replicaOffset(_ key: String) -> Int? {
        let parts = key.split(separator: "+").map { String($0).trimmingWhitespace() }
        guard parts.count == 2 else { return nil }
        let base = parts[1] == "replica" ? parts[0] : parts[0] == "replica" ? parts[1] : nil
        return base.flatMap { Int($0) ?? variables[$0].flatMap { Int($0) } }
    }

    private func allowedPlaceholders(in scope: ExpansionScope) -> [String] {
        let builtIns: [String]
        switch scope {
        case .variables: builtIns = []
        case .endpoint: builtIns = ["replica", "name", "N+replica"]
        case .process: builtIns = ["replica", "name", "N+replica", "own:ENDPOINT", "all:ENDPOINT"]
        }
        return builtIns + variables.keys.sorted()
    }
}

/// How a renderer for another runtime reads a topology's placeholders (see ``Topology/rendering``).
struct RenderedAddressing: Sendable, Equatable {
    /// What `{replica}` reads in a process's args and env (e.g. `$(MAILROOM_REPLICA)`, which Kubernetes fills in).
    var replicaText: String
    /// The address each endpoint's owner binds, by endpoint name (e.g. `tcp://*:5551`).
    var bindAddresses: [String: String]
    /// How many replicas `{all:E}` lists, by owner, where it differs from `replicas` (an autoscaled process lists
    /// its most; peers that are not there are never connected).
    var addressedReplicas: [String: Int]
}
