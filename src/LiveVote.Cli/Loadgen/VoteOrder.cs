namespace LiveVote.Cli.Loadgen;

internal enum VoteKind
{
    /// <summary>A viewer's first vote: expects 201 accepted.</summary>
    First,

    /// <summary>An acknowledged vote sent again (a client retry): expects 200 duplicate with the same vote id.</summary>
    Retry,

    /// <summary>An acknowledged viewer voting for another option: expects 409 already-voted.</summary>
    Second,
}

/// <summary>One vote to send: whose, for which option, and what answer is right.</summary>
internal readonly record struct VoteOrder(VoteKind Kind, int Viewer, int Option);
