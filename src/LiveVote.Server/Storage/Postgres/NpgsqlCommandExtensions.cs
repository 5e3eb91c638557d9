using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

internal static class NpgsqlCommandExtensions
{
    /// <summary>
    /// Adds the next positional parameter ($1, $2, ... in call order; null binds NULL). One value a call on purpose:
    /// a params object[] would silently spread a string[] or byte[][] argument into several parameters.
    /// </summary>
    public static NpgsqlCommand Bind(this NpgsqlCommand command, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}
