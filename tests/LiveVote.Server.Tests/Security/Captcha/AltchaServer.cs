using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>One server with the default ALTCHA provider (small difficulty) and an open poll, shared by a test class.</summary>
public sealed class AltchaServer : IAsyncLifetime
{
    public LiveVoteServer Server { get; } = new(AltchaClient.Settings());

    public PollDto Poll { get; private set; } = null!;

    public async Task InitializeAsync() => Poll = await Api.CreateOpenPollAsync(Server.AdminClient());

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
