using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// The direct problem writer answers what the framework's writers answered, byte for byte, for every Accept header: the
/// same problems executed on the services as the server registers them and on the same services without it.
/// </summary>
public sealed class DirectProblemWriterTests
{
    private static readonly string?[] AcceptHeaders =
        [null, "*/*", "application/json", "application/problem+json", "text/html", "application/xml, text/html;q=0.9"];

    /// <summary>Problems as the endpoints make them: complete, so the direct writer takes them.</summary>
    public static TheoryData<string> Complete() => new(CompleteProblems.Keys);

    /// <summary>Problems the direct writer leaves to the framework's writers.</summary>
    public static TheoryData<string> Other() => new(OtherProblems.Keys);

    private static readonly Dictionary<string, Func<HttpContext, IResult>> CompleteProblems = new()
    {
        ["unauthorized"] = _ => Problems.Unauthorized("The token is not valid."),
        ["poll not found, quotes and markup"] = _ => Problems.PollNotFound("it's <b>\"x\"</b> & +1"),
        ["bad request, non-ASCII"] = _ => Problems.BadRequest(ErrorCodes.InvalidRequest, "Café 😀 \u0001 tab\t line\n end"),
        ["unavailable with retry-after"] = context => Problems.Unavailable(context, ErrorCodes.Overloaded, "Busy.", retryAfterSeconds: 2),
        ["results pending"] = context => Problems.ResultsPending(context, "p1"),
        ["no detail"] = _ => Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.InvalidRequest, "Conflict."),
        ["bad request without detail"] = _ => Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRequest, "Bad."),
        ["a limit extension"] = _ => WithLimit(Problems.Create(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, "Slow down.", "Too many."), "vote-per-ip"),
        ["an instance"] = _ => WithInstance(Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Gone.", "No."), "/v1/polls/x"),
    };

    private static readonly Dictionary<string, Func<HttpContext, IResult>> OtherProblems = new()
    {
        ["framework 404 without a code"] = _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound),
        ["framework 500 without a code"] = _ => TypedResults.Problem(detail: "x", statusCode: StatusCodes.Status500InternalServerError),
        ["a number extension"] = _ => TypedResults.Problem(statusCode: 400, title: "t", type: "urn:x",
            extensions: new Dictionary<string, object?> { ["code"] = "c", ["count"] = 3 }),
        ["a null extension"] = _ => TypedResults.Problem(statusCode: 400, title: "t", type: "urn:x",
            extensions: new Dictionary<string, object?> { ["code"] = "c", ["hint"] = null }),
        ["a validation problem"] = _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["optionId"] = ["required"] }),
    };

    [Theory]
    [MemberData(nameof(Complete))]
    public async Task CompleteProblem_IsWrittenDirectly_WithTheFrameworksBytes_ForEveryAccept(string name)
    {
        using var app = AppServices(direct: true);
        using var framework = AppServices(direct: false);
        foreach (var accept in AcceptHeaders)
        {
            var expected = await ExecuteAsync(framework, CompleteProblems[name], accept);
            var actual = await ExecuteAsync(app, CompleteProblems[name], accept);

            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal("application/problem+json", actual.ContentType);
            Assert.Equal(expected.ContentType, actual.ContentType);
            Assert.Equal(expected.Body, actual.Body);
            Assert.Equal(expected.RetryAfter, actual.RetryAfter);

            // Written directly (the framework's writers leave the length unset and the answer chunked).
            Assert.Null(expected.ContentLength);
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(actual.Body), actual.ContentLength);
        }
    }

    [Theory]
    [MemberData(nameof(Other))]
    public async Task OtherProblem_IsLeftToTheFrameworksWriters(string name)
    {
        using var app = AppServices(direct: true);
        using var framework = AppServices(direct: false);
        foreach (var accept in AcceptHeaders)
        {
            var expected = await ExecuteAsync(framework, OtherProblems[name], accept);
            var actual = await ExecuteAsync(app, OtherProblems[name], accept);

            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.ContentType, actual.ContentType);
            Assert.Equal(expected.Body, actual.Body);
            Assert.Null(actual.ContentLength);
            Assert.NotEmpty(actual.Body);
        }
    }

    [Fact]
    public void Registration_PutsTheDirectWriterFirst_Once()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddHttp();
        builder.Services.AddLiveVoteProblemDetails();
        using var services = builder.Services.BuildServiceProvider();

        var writers = services.GetServices<IProblemDetailsWriter>().ToList();
        Assert.IsType<DirectProblemWriter>(writers[0]);
        Assert.Single(writers, w => w is DirectProblemWriter);
        Assert.True(writers.Count >= 3, "the framework's writer and the app's any-Accept writer stay behind it");
    }

    private static async Task<Answer> ExecuteAsync(ServiceProvider services, Func<HttpContext, IResult> problem, string? accept)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        var body = new MemoryStream();
        context.Response.Body = body;
        await problem(context).ExecuteAsync(context);
        await context.Response.BodyWriter.FlushAsync();
        return new Answer(context.Response.StatusCode, context.Response.ContentType, context.Response.ContentLength,
            context.Response.Headers.RetryAfter.ToString(), System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>The services as the server registers them (AddHttp), or the same without the direct writer.</summary>
    private static ServiceProvider AppServices(bool direct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddHttp();
        if (!direct)
        {
            var descriptor = builder.Services.Single(d => d.ImplementationType == typeof(DirectProblemWriter));
            builder.Services.Remove(descriptor);
        }

        return builder.Services.BuildServiceProvider();
    }

    private static ProblemHttpResult WithLimit(ProblemHttpResult problem, string limit)
    {
        problem.ProblemDetails.Extensions["limit"] = limit;
        return problem;
    }

    private static ProblemHttpResult WithInstance(ProblemHttpResult problem, string instance)
    {
        problem.ProblemDetails.Instance = instance;
        return problem;
    }

    private sealed record Answer(int Status, string? ContentType, long? ContentLength, string RetryAfter, string Body);
}
