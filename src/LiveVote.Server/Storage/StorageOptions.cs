namespace LiveVote.Server.Storage;

public enum StorageKind
{
    Sqlite,
    Postgres,
}

/// <summary>Configuration key <c>LiveVote:Storage</c>: which store the node writes to.</summary>
public sealed class StorageOptions
{
    public const string Section = "LiveVote";

    /// <summary><c>Sqlite</c> (the embedded default: one node, one file) or <c>Postgres</c> (a fleet of nodes).</summary>
    public StorageKind Storage { get; set; } = StorageKind.Sqlite;
}
