using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// A shared server for tests that only send refused requests: it holds an open poll (with one vote in it), a draft and a
/// closed poll, and a registered viewer who has not voted yet, so "nothing changed" is checked against real state.
/// </summary>
public sealed class PopulatedServer : IAsyncLifetime
{
    // Its tests send every admin route a wrong key, more than the default lockout allows from one network: the lockout
    // has tests of its own, here it would only turn the 401s these tests check into 429s.
    public LiveVoteServer Server { get; } = new(new() { ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "500" });

    public PollDto OpenPoll { get; private set; } = null!;

    public PollDto DraftPoll { get; private set; } = null!;

    public PollDto ClosedPoll { get; private set; } = null!;

    /// <summary>Registered, has not voted: any of its votes that got through would change the state.</summary>
    public RegisterViewerResponse Viewer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var admin = Server.AdminClient();
        OpenPoll = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
        DraftPoll = await Api.CreatePollAsync(admin, "Still secret", "x", "y");
        ClosedPoll = await Api.CreateOpenPollAsync(admin, "x", "y");
        var voters = await Api.RegisterManyAsync(admin, 3);
        (await Api.VoteAsync(admin, OpenPoll.Id, voters[0].Token, "b")).EnsureSuccessStatusCode();
        (await Api.VoteAsync(admin, ClosedPoll.Id, voters[1].Token, "y")).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(admin, ClosedPoll.Id)).EnsureSuccessStatusCode();
        Viewer = voters[2];
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
