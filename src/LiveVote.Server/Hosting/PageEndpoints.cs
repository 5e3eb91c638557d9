namespace LiveVote.Server.Hosting;

/// <summary>The static pages (wwwroot). They use only the public HTTP API; the server just hands out the files.</summary>
public static class PageEndpoints
{
    /// <summary>
    /// The files of <c>wwwroot</c> (<c>/</c> is <c>index.html</c>), for requests no endpoint matched. Both middlewares
    /// pass on any request with an endpoint (one with a request delegate, for the static files): such requests (every
    /// API call, votes above all) skip the branch with one check instead of two middlewares.
    /// </summary>
    public static WebApplication UseStaticPages(this WebApplication app)
    {
        app.UseWhen(context => context.GetEndpoint()?.RequestDelegate is null, files =>
        {
            files.UseDefaultFiles();
            files.UseStaticFiles();
        });
        return app;
    }

    /// <summary>The pages whose URL carries a poll id or names a role rather than a file.</summary>
    public static WebApplication MapPages(this WebApplication app)
    {
        app.MapGet("/vote/{pollId}", (HttpContext context) => Page(context, "vote.html")).ExcludeFromDescription();
        app.MapGet("/v/{code}", (HttpContext context) => Page(context, "vote.html")).ExcludeFromDescription();
        app.MapGet("/results/{pollId}", (HttpContext context) => Page(context, "results.html")).ExcludeFromDescription()
            .WithMetadata(SelfFramedPage.Instance);
        app.MapGet("/verify", (HttpContext context) => Page(context, "verify.html")).ExcludeFromDescription();
        app.MapGet("/admin", (HttpContext context) => Page(context, "admin.html")).ExcludeFromDescription();
        return app;
    }

    private static IResult Page(HttpContext context, string file)
    {
        var environment = context.RequestServices.GetRequiredService<IWebHostEnvironment>();
        var info = environment.WebRootFileProvider.GetFileInfo(file);
        return info.Exists && info.PhysicalPath is not null
            ? TypedResults.PhysicalFile(info.PhysicalPath, "text/html; charset=utf-8")
            : TypedResults.NotFound();
    }
}
