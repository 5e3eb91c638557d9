using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>An unexpected failure inside the server is a generic 500 problem: no exception, stack trace or message.</summary>
public sealed class InternalErrorTests
{
    private const string Secret = "/var/lib/livevote/secret-internal-path";

    [Fact]
    public async Task UnhandledException_IsAGeneric500Problem_WithoutInternalDetails()
    {
        // The real store, except that reading the audit trail fails the way a bug would.
        await using var server = new LiveVoteServer(configureServices: services =>
        {
            services.AddSingleton<SqliteVoteStore>();
            services.RemoveAll<IVoteStore>();
            services.AddSingleton<IVoteStore>(provider => new FailingAuditStore(provider.GetRequiredService<SqliteVoteStore>()));
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);

        var response = await server.Client().GetAsync($"/v1/polls/{poll.Id}/audit");

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.InternalServerError, ErrorCodes.InternalError);
        var body = problem.GetRawText();
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("traceId", out _));
        Assert.False(problem.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 });
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/healthz")).StatusCode);
    }

    private sealed class FailingAuditStore(IVoteStore inner) : IVoteStore
    {
        public Task<StoreState> OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

        public ValueTask CommitAsync(WriteBatch batch, AuditChain chain) => inner.CommitAsync(batch, chain);

        public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Corrupt page in {Secret} at offset 4096");

        public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
