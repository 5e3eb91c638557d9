using System.Net;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// <c>livevote loadgen --export-tokens FILE --viewers N</c>: registers N viewers as a trusted back end would (the same
/// registration as a load run's setup) and writes their tokens to FILE, one a line, for an outside load tool (wrk's
/// bench/wrk/vote.lua) that must send each vote with a fresh token. No poll is made and no vote is sent.
/// </summary>
internal static class TokenExport
{
    public static async Task<int> RunAsync(LoadgenSettings settings, string path, TextWriter progress, CancellationToken cancellationToken)
    {
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = 64 })
        {
            BaseAddress = settings.Url,
            DefaultRequestVersion = HttpVersion.Version11,
            Timeout = TimeSpan.FromSeconds(60),
        };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", settings.AdminKey);
        await progress.WriteLineAsync($"Registering {settings.Viewers:N0} viewers for {path}...").ConfigureAwait(false);
        var tokens = await LoadSetup.RegisterViewersAsync(admin, settings.Viewers, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Written whole to a temp file then moved: a reader never sees half a list (a half list would be reused tokens' cause).
        var temporary = path + ".partial";
        await File.WriteAllLinesAsync(temporary, tokens, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
        await progress.WriteLineAsync($"Wrote {tokens.Length:N0} viewer tokens to {path}.").ConfigureAwait(false);
        return tokens.Length;
    }
}
