using System.Text;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Hosting;
using LiveVote.Server.Votes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace LiveVote.Server.Tests.Votes;

/// <summary>
/// The vote endpoint writes its answer itself (<see cref="VoteAnswers"/>): the bytes must be exactly those the framework's
/// JSON result wrote, the serializer's for the <see cref="VoteResponse"/> built as the endpoint built it before, with the
/// app's JSON options (AddHttp).
/// </summary>
public sealed class VoteAnswersTests
{
    private static readonly Sha256Hash Receipt = new(0x0123456789abcdefUL, 0xfedcba9876543210UL, 0x00ff00ff00ff00ffUL, 0xdeadbeefcafef00dUL);

    [Theory]
    [InlineData("accepted", 17L, 0, 0, false, 4L)]
    [InlineData("duplicate", long.MaxValue, 0, 0, false, 0L)]
    [InlineData("accepted", 1L, 3, 0, false, 12L)]
    [InlineData("duplicate", 99L, 1, 2, true, 7L)]
    [InlineData("accepted", 5L, 0, 0, true, -1L)]
    public void Json_IsTheSerializersJsonOfTheVoteResponse(string status, long seq, int chain, int partition, bool partitioned, long leaf)
    {
        using var services = AppServices();
        var options = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var result = new VoteResult(VoteOutcome.Accepted, seq, Receipt, chain, leaf);
        var expected = JsonSerializer.Serialize(
            new VoteResponse(status, partitioned ? result.VoteIdIn(partition) : result.VoteId, Receipt.ToString(), AuditLogIds.Format(partition, chain), leaf),
            options);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            services.GetRequiredService<VoteAnswers>().WriteJson(writer, status, result, partition, partitioned);
        }

        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData(StatusCodes.Status201Created, "accepted")]
    [InlineData(StatusCodes.Status200OK, "duplicate")]
    public async Task Write_SetsStatus_JsonContentType_AndTheLengthOfTheBody(int statusCode, string status)
    {
        using var services = AppServices();
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        services.GetRequiredService<VoteAnswers>().Write(context, statusCode, status, new VoteResult(VoteOutcome.Accepted, 3, Receipt, 0, 2), 0, partitioned: false);
        await context.Response.BodyWriter.FlushAsync();

        Assert.Equal(statusCode, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);
        var vote = JsonSerializer.Deserialize<VoteResponse>(body.ToArray(), JsonSerializerOptions.Web)!;
        Assert.Equal(new VoteResponse(status, "3", Receipt.ToString(), "0.0", 2), vote);
    }

    /// <summary>The services as the server registers them: its JSON options (AddHttp) and the writer.</summary>
    private static ServiceProvider AppServices()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddHttp();
        builder.Services.AddSingleton<VoteAnswers>();
        return builder.Services.BuildServiceProvider();
    }
}
