using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// Versioned schema for PostgreSQL. Migrations run at start inside one transaction holding an advisory lock, so
/// several nodes starting at once apply each exactly once; applied versions are rows of <c>schema_migrations</c>.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Arbitrary constant key of the advisory lock that serialises migrations across nodes.</summary>
    public const long MigrationLockKey = 0x4C69_7665_566F_7465; // "LiveVote"

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE polls (
            id text PRIMARY KEY,
            title text NOT NULL,
            options text NOT NULL,
            status text NOT NULL,
            created_at bigint NOT NULL,
            opened_at bigint,
            closed_at bigint
        );
        -- One row per writer process: its id names its audit chain and its tally rows.
        CREATE TABLE writers (
            id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            node text NOT NULL,
            started_at bigint NOT NULL
        );
        -- The unique key settles duplicates across every node: insert-if-absent with ON CONFLICT DO NOTHING.
        CREATE TABLE votes (
            poll_id text NOT NULL,
            voter_key bytea NOT NULL,
            option_id text NOT NULL,
            writer_id integer NOT NULL,
            seq bigint NOT NULL,
            receipt bytea NOT NULL,
            PRIMARY KEY (poll_id, voter_key)
        );
        -- Sharded counters: each writer owns its rows, so no two nodes ever update the same row.
        CREATE TABLE tallies (
            poll_id text NOT NULL,
            option_id text NOT NULL,
            writer_id integer NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (poll_id, option_id, writer_id)
        );
        CREATE TABLE audit (
            pos bigint GENERATED ALWAYS AS IDENTITY,
            writer_id integer NOT NULL,
            seq bigint NOT NULL,
            kind text NOT NULL,
            poll_id text,
            voter_key bytea,
            option_id text,
            at bigint NOT NULL,
            data text,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL,
            PRIMARY KEY (writer_id, seq)
        );
        CREATE INDEX audit_by_poll ON audit (poll_id, pos);
        -- Periodic entries that bind the heads of all chains: truncating one chain's tail breaks the next checkpoint.
        CREATE TABLE checkpoints (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at bigint NOT NULL,
            heads text NOT NULL,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL
        );
        -- Generated secrets shared by the fleet (configuration wins when it sets them).
        CREATE TABLE settings (
            key text PRIMARY KEY,
            value text NOT NULL
        );
        """,

        // 2: how many store partitions (clusters) the poll's voters are spread over, fixed at creation (docs/design.md,
        // section 11, "Scale-out"). Polls created before it ran on one cluster: 1.
        """
        ALTER TABLE polls ADD COLUMN partition_count integer NOT NULL DEFAULT 1 CHECK (partition_count >= 1);
        """,

        // 3: the producer's presentation of a poll: results on the vote page, and the frozen on-air snapshot every node
        // serves (results_revision moves the published version on each freeze and release).
        """
        ALTER TABLE polls
            ADD COLUMN show_results_to_viewers boolean NOT NULL DEFAULT false,
            ADD COLUMN frozen_totals text,
            ADD COLUMN frozen_at bigint,
            ADD COLUMN results_revision bigint NOT NULL DEFAULT 0;
        """,

        // 4: the inserting transaction's id, so the public trail pages in commit order: a reader returns only entries
        // whose transaction is older than every transaction still running (docs/design.md, 7.3). Rows from before were
        // committed long ago: 0.
        """
        ALTER TABLE audit ADD COLUMN txid bigint NOT NULL DEFAULT 0;
        """,

        // 5: used ALTCHA challenges, so a CAPTCHA solution counts once in the whole fleet (docs/design.md, 7.5): the key
        // settles first use across nodes (INSERT ... ON CONFLICT DO NOTHING); rows are deleted by expiry (Unix ms).
        """
        CREATE TABLE used_challenges (
            challenge bytea PRIMARY KEY,
            expires_at bigint NOT NULL
        );
        CREATE INDEX used_challenges_by_expiry ON used_challenges (expires_at);
        """,

        // 6: which cluster this is, for good (docs/design.md, section 11): a generated id, the partition index the first
        // node mapped it to, and the fleet's cluster map (the ids of partitions 0, 1, ... joined by ','), which only ever
        // grows by appending. A node whose configured map disagrees refuses to start (ClusterMapCheck), so no
        // misconfiguration can put one voter in two clusters.
        """
        CREATE TABLE cluster_identity (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            cluster_id uuid NOT NULL,
            partition_index integer CHECK (partition_index >= 0),
            map text
        );
        INSERT INTO cluster_identity (cluster_id) VALUES (gen_random_uuid());
        """,

        // 7: the Merkle logs, one per (poll, writer chain) (docs/design.md, 7.6 and 11): every entry with a poll is leaf
        // number `leaf` of its poll's log in its chain (entries before this migration numbered in seq order, as the
        // writer numbers new ones), and a vote row keeps its entry's leaf so a retry gets the same answer; the stored
        // interior nodes at levels 8, 16, ...; the signed tree heads each node published for its own chains.
        """
        ALTER TABLE audit ADD COLUMN leaf bigint;
        UPDATE audit SET leaf = r.n
        FROM (SELECT writer_id, seq, row_number() OVER (PARTITION BY poll_id, writer_id ORDER BY seq) - 1 AS n FROM audit WHERE poll_id IS NOT NULL) AS r
        WHERE audit.writer_id = r.writer_id AND audit.seq = r.seq;
        CREATE INDEX audit_by_leaf ON audit (poll_id, writer_id, leaf) WHERE leaf IS NOT NULL;
        ALTER TABLE votes ADD COLUMN leaf bigint;
        UPDATE votes SET leaf = a.leaf FROM audit a WHERE a.writer_id = votes.writer_id AND a.seq = votes.seq;
        CREATE TABLE merkle_nodes (
            poll_id text NOT NULL,
            writer_id integer NOT NULL,
            level integer NOT NULL,
            idx bigint NOT NULL,
            hash bytea NOT NULL,
            PRIMARY KEY (poll_id, writer_id, level, idx)
        );
        CREATE TABLE signed_heads (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            poll_id text NOT NULL,
            writer_id integer NOT NULL,
            size bigint NOT NULL,
            root bytea NOT NULL,
            at bigint NOT NULL,
            note text NOT NULL
        );
        CREATE INDEX signed_heads_by_poll ON signed_heads (poll_id, id);
        CREATE INDEX signed_heads_by_size ON signed_heads (poll_id, writer_id, size);
        """,

        // 8: each closed poll's signed final result statement (docs/design.md 7.6), the same text in every cluster the
        // poll is spread over (the first one stored in partition 0 wins).
        """
        CREATE TABLE poll_results (
            poll_id text PRIMARY KEY,
            at bigint NOT NULL,
            statement text NOT NULL
        );
        """,

        // 9: the poll's own voter-key secret, wrapped (docs/design.md, 7.2), the same bytes in every partition the poll is
        // spread over, and when the retention service destroyed it. Polls created before keep the fleet-wide derivation.
        """
        ALTER TABLE polls
            ADD COLUMN voter_secret bytea,
            ADD COLUMN voter_keys_destroyed_at bigint;
        """,

        // 10: risk evidence, kept apart from the public audit trail (docs/design.md, section 11, "Personal data and
        // privacy"): the network and signals behind a risk decision or admin lockout, which the audit entry names by
        // ref only; deleted after LiveVote:Privacy:EvidenceRetention (at, Unix ms). Used in partition 0's cluster.
        """
        CREATE TABLE risk_evidence (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ref bytea NOT NULL UNIQUE,
            kind text NOT NULL,
            action text NOT NULL,
            poll_id text,
            voter_key bytea,
            network text NOT NULL,
            detail text NOT NULL,
            at bigint NOT NULL
        );
        CREATE INDEX risk_evidence_by_poll ON risk_evidence (poll_id, voter_key);
        CREATE INDEX risk_evidence_by_time ON risk_evidence (at);
        """,

        // 11: poll management (docs/design.md, "Poll lifecycle"): the join code (unique among polls not deleted; NULL for
        // polls from before, which get one derived from their id when read), results hidden until a reveal, when a closed
        // poll was archived, when a draft was deleted (its row stays for the audit trail's poll-created entry).
        """
        ALTER TABLE polls
            ADD COLUMN code text,
            ADD COLUMN results_hidden boolean NOT NULL DEFAULT false,
            ADD COLUMN archived_at bigint,
            ADD COLUMN deleted_at bigint;
        CREATE UNIQUE INDEX polls_by_code ON polls (code) WHERE code IS NOT NULL AND deleted_at IS NULL;
        """,
    ];

    /// <summary>Applies the migrations not yet applied, once across every node starting at the same time.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({PostgresSchema.MigrationLockKey});
            CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        int applied;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection, transaction))
        {
            applied = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        for (var v = applied; v < PostgresSchema.Migrations.Length; v++)
        {
            await using var command = new NpgsqlCommand(
                PostgresSchema.Migrations[v] + $"\nINSERT INTO schema_migrations (version) VALUES ({v + 1});", connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
