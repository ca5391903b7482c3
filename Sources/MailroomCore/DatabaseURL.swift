// DatabaseURL: whether a store's location names a PostgreSQL server (`postgres://…`, `postgresql://…`) rather than a
// SQLite file: the stores, the renderer and the command line ask the same question.

public enum DatabaseURL {
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }
}
