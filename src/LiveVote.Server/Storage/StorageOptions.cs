namespace LiveVote.Server.Storage;

public enum StorageKind
{
    Sqlite,
    Postgres,
}

/// <summary>Configuration keys <c>LiveVote:Storage</c> and <c>LiveVote:DataDirectory</c>: which store the node writes to, and where its own files live.</summary>
public sealed class StorageOptions
{
    public const string Section = "LiveVote";

    /// <summary><c>Sqlite</c> (the embedded default: one node, one file) or <c>Postgres</c> (a fleet of nodes).</summary>
    public StorageKind Storage { get; set; } = StorageKind.Sqlite;

    /// <summary>
    /// The node's own folder (relative to the working directory): secrets it generates (<c>secrets.json</c>) and, unless
    /// <c>LiveVote:Sqlite:Path</c> says otherwise, the SQLite database. A fleet node on PostgreSQL keeps nothing else here.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Whether the node's own batch writer publishes the results: with SQLite it has counted every vote; with a shared
    /// store it knows only its own, so <see cref="SharedStateRefresher"/> publishes the sums read back from the store.
    /// </summary>
    public bool WriterPublishesTotals => Storage == StorageKind.Sqlite;

    /// <summary>Where generated secrets are kept.</summary>
    public string SecretsFile => System.IO.Path.Combine(System.IO.Path.GetFullPath(DataDirectory), "secrets.json");
}
