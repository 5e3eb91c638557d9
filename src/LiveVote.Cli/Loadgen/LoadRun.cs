using System.Net;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Loadgen.RawHttp;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// One load run from setup to verdict: prepare the poll and viewers, start the results reader, the stream watcher and
/// the progress ticker, drive the votes, then read the server's totals and audit trail and check them, and close the
/// poll it opened (unless told to keep it open): a load run must not leave a stray open poll on a production server.
/// </summary>
internal sealed class LoadRun(LoadgenSettings settings, TextWriter progress, TimeProvider time, Func<string, CancellationToken, Task>? beforeVotes = null)
{
    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        await using var votes = new VoteConnectionPool(settings.Url, settings.Connections);
        using var admin = Client(64);
        if (settings.AdminKey is not null)
        {
            admin.DefaultRequestHeaders.Add("X-Admin-Key", settings.AdminKey);
        }

        string? pollId = null;
        var closed = false;
        try
        {
            VoteBook book;
            if (settings.Baseline)
            {
                book = new VoteBook(["baseline"], settings.Options, 0, 0, unlimited: true);
            }
            else
            {
                pollId = await CreatePollOrUnreachableAsync(admin, cancellationToken).ConfigureAwait(false);
                await progress.WriteLineAsync($"Poll {pollId} open with {settings.Options} options; registering {settings.Viewers:N0} viewers...").ConfigureAwait(false);
                var tokens = await LoadSetup.RegisterViewersAsync(admin, settings.Viewers, cancellationToken).ConfigureAwait(false);
                book = new VoteBook(tokens, settings.Options, settings.DuplicateShare, settings.SecondVoteShare);
                if (beforeVotes is not null)
                {
                    // E.g. the results streams of --subscribers, open before the first vote.
                    await beforeVotes(pollId, cancellationToken).ConfigureAwait(false);
                }
            }

            var tally = new VoteTally();
            var writes = new LatencyRecorder();
            var reads = new LatencyRecorder();
            var visible = new LatencyRecorder();
            var sender = new VoteSender(votes, settings.Url, book, tally, time, pollId ?? "baseline");
            using var readerClient = Client(1);
            using var streamClient = Client(1, streaming: true);
            var reader = pollId is null ? null : new ResultsReader(readerClient, pollId, reads, time);
            var watcher = pollId is null ? null : new VisibilityWatcher(streamClient, pollId, book, visible, time);

            using var observersStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watching = watcher?.RunAsync(observersStop.Token) ?? Task.CompletedTask;
            var reading = reader?.RunAsync(observersStop.Token) ?? Task.CompletedTask;
            await progress.WriteLineAsync($"Sending votes ({settings.Mode.ToString().ToLowerInvariant()}-loop, {settings.Connections} connections) for {settings.Duration.TotalSeconds:F0} s...")
                .ConfigureAwait(false);

            if (settings.Warmup > TimeSpan.Zero)
            {
                // Warm-up votes are real votes (checked at the end like the others) but measured by nobody.
                var warmup = settings with { Duration = settings.Warmup };
                await new LoadDriver(warmup, book, sender, new LatencyRecorder(), time).RunAsync(cancellationToken).ConfigureAwait(false);
                reads.Reset();
                visible.Reset();
                await progress.WriteLineAsync($"Warm-up done ({tally.Completed:N0} answers); measuring.").ConfigureAwait(false);
            }

            var answeredBefore = tally.Completed;
            var acceptedBefore = tally.Accepted;
            var ticker = new ProgressTicker(tally, book, writes, reads, visible, progress, time);
            var ticking = ticker.RunAsync(observersStop.Token);
            var elapsed = await new LoadDriver(settings, book, sender, writes, time).RunAsync(cancellationToken).ConfigureAwait(false);

            ServerFacts? facts = null;
            if (pollId is not null)
            {
                // Give the stream a generous moment to show the last acknowledged votes (published every 250 ms).
                var deadline = time.GetTimestamp() + (long)(10 * time.TimestampFrequency);
                while (book.VisibleCount < book.AcknowledgedCount && time.GetTimestamp() < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
                }

                facts = await EndOfRunFacts.ReadAsync(admin, pollId, tally.Accepted, time, cancellationToken).ConfigureAwait(false);
            }

            await observersStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(watching, reading, ticking).ConfigureAwait(false);

            var acknowledgedIds = book.Unlimited ? [] : book.AcknowledgedVoteIds();
            var checks = LoadChecks.Evaluate(new CheckInputs(
                settings.Baseline,
                tally.Accepted,
                facts?.ResultsTotal ?? 0,
                facts?.AuditVoteEntries ?? 0,
                facts is null ? 0 : acknowledgedIds.Count(id => !facts.AuditVoteSeqs.Contains(id)),
                tally.WrongAnswers,
                tally.ServerErrorsOtherThan503(),
                book.Unlimited ? 0 : book.AcknowledgedCount,
                book.Unlimited ? 0 : book.VisibleCount,
                tally.UnexpectedAnswers,
                tally.TransportErrors));
            var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
            closed = pollId is not null && !settings.KeepOpen && await ClosePollAsync(admin, pollId).ConfigureAwait(false);
            return new LoadReport(
                settings.Mode.ToString().ToLowerInvariant(), settings.Baseline, settings.Url.ToString(), pollId, settings.Connections, settings.Rate,
                Math.Round(seconds, 3), settings.Viewers, settings.Options, settings.DuplicateShare, settings.SecondVoteShare, book.Exhausted,
                tally.Completed, Math.Round((tally.Completed - answeredBefore) / seconds, 1), tally.Accepted, Math.Round((tally.Accepted - acceptedBefore) / seconds, 1),
                tally.DuplicatesAnswered200, tally.SecondVotesAnswered409, tally.RetriesAfter503, tally.TransportErrors, tally.ByStatus(),
                writes.Summary(), reads.Summary(), visible.Summary(), reader?.Errors ?? 0, watcher?.Events ?? 0, facts?.ResultsTotal, facts?.AuditVoteEntries,
                ticker.Series, checks, tally.Surprises, checks.All(c => c.Passed))
            {
                UnexpectedAnswers = tally.UnexpectedAnswers,
                PollClosed = closed,
            };
        }
        finally
        {
            // Also when the run fails or is stopped: the poll it opened is closed all the same.
            if (pollId is not null && !settings.KeepOpen && !closed)
            {
                await ClosePollAsync(admin, pollId).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> CreatePollOrUnreachableAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        try
        {
            return await LoadSetup.CreateOpenPollAsync(admin, settings.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            // No answer at all (refused, reset, DNS): nothing was run, so this is "could not reach", not a failed check.
            throw new CouldNotReachException($"{settings.Url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CouldNotReachException($"{settings.Url}: no answer within {admin.Timeout.TotalSeconds:F0} s", e);
        }
    }

    /// <summary>Closes the run's poll; best effort (a failure is reported on the progress stream, not thrown).</summary>
    private async Task<bool> ClosePollAsync(HttpClient admin, string pollId)
    {
        try
        {
            // Not the run's token: a run stopped with Ctrl+C still closes what it opened.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await admin.PostAsync(new Uri($"/v1/polls/{pollId}/close", UriKind.Relative), null, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                await progress.WriteLineAsync($"Poll {pollId} closed.").ConfigureAwait(false);
                return true;
            }

            await progress.WriteLineAsync($"Could not close poll {pollId}: {(int)response.StatusCode}.").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            await progress.WriteLineAsync($"Could not close poll {pollId}: {e.Message}").ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// HTTP/1.1 keep-alive with at most <paramref name="connections"/> connections (wrk's -c), no proxy, no cookies,
    /// no decompression: the client stays as thin as it can so it measures the server.
    /// </summary>
    private HttpClient Client(int connections, bool streaming = false) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = settings.Url,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = streaming ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60),
        };
}
