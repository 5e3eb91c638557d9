namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// Versioned schema. Each migration runs once, in order, inside a transaction, and bumps <c>PRAGMA user_version</c>.
/// Votes and audit entries are appended in seq order (INTEGER PRIMARY KEY = rowid), so a commit writes a few
/// sequential pages instead of ~1,000 random B-tree pages: uniqueness of (poll, voter) is kept exactly by the single
/// writer's in-memory index, rebuilt from the votes table on open (see docs/design.md, "SQLite store").
/// </summary>
internal static class SqliteSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE polls (
            id TEXT NOT NULL PRIMARY KEY,
            title TEXT NOT NULL,
            options TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            opened_at INTEGER,
            closed_at INTEGER
        );
        CREATE TABLE votes (
            seq INTEGER NOT NULL PRIMARY KEY,
            poll_id TEXT NOT NULL,
            voter_key BLOB NOT NULL,
            option_id TEXT NOT NULL
        );
        CREATE TABLE tallies (
            poll_id TEXT NOT NULL,
            option_id TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (poll_id, option_id)
        ) WITHOUT ROWID;
        CREATE TABLE audit (
            seq INTEGER NOT NULL PRIMARY KEY,
            kind TEXT NOT NULL,
            poll_id TEXT,
            voter_key BLOB,
            option_id TEXT,
            at INTEGER NOT NULL,
            data TEXT,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE INDEX audit_by_poll ON audit (poll_id, seq);
        """,

        // 2: how many store partitions the poll's voters are spread over, fixed at creation (docs/design.md, section
        // 11, "Scale-out"). Polls created before it ran on one store: 1.
        """
        ALTER TABLE polls ADD COLUMN partition_count INTEGER NOT NULL DEFAULT 1;
        """,

        // 3: the producer's presentation of a poll: results on the vote page, and the frozen on-air snapshot.
        """
        ALTER TABLE polls ADD COLUMN show_results_to_viewers INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE polls ADD COLUMN frozen_totals TEXT;
        ALTER TABLE polls ADD COLUMN frozen_at INTEGER;
        ALTER TABLE polls ADD COLUMN results_revision INTEGER NOT NULL DEFAULT 0;
        """,

        // 4: used ALTCHA challenges, so a CAPTCHA solution counts once, also after a restart (docs/design.md, 7.5); rows
        // are deleted by expiry (Unix ms).
        """
        CREATE TABLE used_challenges (
            challenge BLOB NOT NULL PRIMARY KEY,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX used_challenges_by_expiry ON used_challenges (expires_at);
        """,

        // 5: the Merkle log of each poll (docs/design.md, 7.6 and 11): every entry with a poll is leaf number `leaf` of
        // its poll's log (entries before this migration numbered in seq order, as the writer numbers new ones); the
        // stored interior nodes at levels 8, 16, ... (level 0, the leaves, are the audit rows' hashes); the signed tree
        // heads the node published.
        """
        ALTER TABLE audit ADD COLUMN leaf INTEGER;
        UPDATE audit SET leaf = r.n
        FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY poll_id ORDER BY seq) - 1 AS n FROM audit WHERE poll_id IS NOT NULL) AS r
        WHERE audit.seq = r.seq;
        CREATE INDEX audit_by_leaf ON audit (poll_id, leaf);
        CREATE TABLE merkle_nodes (
            poll_id TEXT NOT NULL,
            chain INTEGER NOT NULL,
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (poll_id, chain, level, idx)
        ) WITHOUT ROWID;
        CREATE TABLE signed_heads (
            id INTEGER PRIMARY KEY,
            poll_id TEXT NOT NULL,
            chain INTEGER NOT NULL,
            size INTEGER NOT NULL,
            root BLOB NOT NULL,
            at INTEGER NOT NULL,
            note TEXT NOT NULL
        );
        CREATE INDEX signed_heads_by_poll ON signed_heads (poll_id, id);
        CREATE INDEX signed_heads_by_size ON signed_heads (poll_id, chain, size);
        """,

        // 6: each closed poll's signed final result statement (docs/design.md 7.6), written once the reconciliation
        // gate passed; the signed note's text, as every auditor reads it.
        """
        CREATE TABLE poll_results (
            poll_id TEXT NOT NULL PRIMARY KEY,
            at INTEGER NOT NULL,
            statement TEXT NOT NULL
        ) WITHOUT ROWID;
        """,

        // 7: the poll's own voter-key secret, wrapped (docs/design.md, 7.2), and when the retention service destroyed it.
        // Polls created before keep the fleet-wide derivation: both NULL.
        """
        ALTER TABLE polls ADD COLUMN voter_secret BLOB;
        ALTER TABLE polls ADD COLUMN voter_keys_destroyed_at INTEGER;
        """,

        // 8: risk evidence, kept apart from the public audit trail (docs/design.md, section 11, "Personal data and
        // privacy"): the network and signals behind a risk decision or admin lockout, which the audit entry names by
        // ref only; deleted after LiveVote:Privacy:EvidenceRetention (at, Unix ms).
        """
        CREATE TABLE risk_evidence (
            seq INTEGER NOT NULL PRIMARY KEY,
            ref BLOB NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            action TEXT NOT NULL,
            poll_id TEXT,
            voter_key BLOB,
            network TEXT NOT NULL,
            detail TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX risk_evidence_by_poll ON risk_evidence (poll_id, voter_key);
        CREATE INDEX risk_evidence_by_time ON risk_evidence (at);
        """,

        // 9: poll management (docs/design.md, "Poll lifecycle"): the join code (unique among polls not deleted; NULL for
        // polls from before, which get one derived from their id when read), results hidden until a reveal, when a closed
        // poll was archived, when a draft was deleted (its row stays for the audit trail's poll-created entry).
        """
        ALTER TABLE polls ADD COLUMN code TEXT;
        ALTER TABLE polls ADD COLUMN results_hidden INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE polls ADD COLUMN archived_at INTEGER;
        ALTER TABLE polls ADD COLUMN deleted_at INTEGER;
        CREATE UNIQUE INDEX polls_by_code ON polls (code) WHERE code IS NOT NULL AND deleted_at IS NULL;
        """,

        // 10: each node's console figures (INodeCounterStore), so a
        // restart carries its counts on; updated_at in Unix ms.
        """
        CREATE TABLE node_counters (
            node TEXT NOT NULL PRIMARY KEY,
            accepted INTEGER NOT NULL,
            repeated INTEGER NOT NULL,
            throttled INTEGER NOT NULL,
            flagged INTEGER NOT NULL,
            votes_per_second REAL NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,

        // 11: the generation of the dedup index's snapshot file (VoteIndexSnapshot, docs/design.md "SQLite store"): a
        // snapshot is used only if it names the generation the database holds, so a change that must not be loaded
        // past bumps it in its own transaction.
        """
        CREATE TABLE vote_index_generation (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            generation INTEGER NOT NULL
        );
        INSERT INTO vote_index_generation (id, generation) VALUES (1, 0);
        """,
    ];

    public static int CurrentVersion => Migrations.Length;
}
