using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// Sends one vote until it has a final answer and judges that answer. A 503 (overloaded, store unavailable) is sent
/// again after its Retry-After, and so is a vote whose connection broke: the same vote, so the server's dedup makes
/// the retry safe, and a first vote that got through before the break comes back 200 with its vote id.
/// </summary>
internal sealed class VoteSender
{
    private const int MaxAttempts = 20;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _client;
    private readonly VoteBook _book;
    private readonly VoteTally _tally;
    private readonly TimeProvider _time;
    private readonly string _path;
    private readonly byte[][] _bodies;

    public VoteSender(HttpClient client, VoteBook book, VoteTally tally, TimeProvider time, string pollId)
    {
        _client = client;
        _book = book;
        _tally = tally;
        _time = time;
        _path = $"/v1/polls/{pollId}/votes";
        // The bodies are made once: the client's own JSON work must not eat the CPU the server is measured with.
        _bodies = [.. Enumerable.Range(0, book.Options).Select(o => Encoding.UTF8.GetBytes($"{{\"optionId\":\"{OptionId(o)}\"}}"))];
    }

    public static string OptionId(int option) => $"o{option + 1}";

    public async Task SendAsync(VoteOrder order, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            int status;
            string? voteId;
            TimeSpan retryAfter;
            bool hasRetryAfter;
            try
            {
                (status, voteId, retryAfter, hasRetryAfter) = await SendOnceAsync(order, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxAttempts &&
                                      (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested)))
            {
                // A broken connection or a client-side timeout: the outcome is unknown, so the same vote goes again.
                _tally.TransportError();
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _tally.Status(status, hasRetryAfter);
            if (status == (int)HttpStatusCode.ServiceUnavailable && attempt < MaxAttempts)
            {
                _tally.RetriedAfter503();
                await Task.Delay(retryAfter, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _tally.Completion();
            Judge(order, status, voteId, retried: attempt > 1);
            return;
        }
    }

    private void Judge(VoteOrder order, int status, string? voteId, bool retried)
    {
        if (_book.Unlimited)
        {
            if (status != (int)HttpStatusCode.Accepted)
            {
                _tally.Wrong($"baseline POST answered {status}, expected 202");
            }

            return;
        }

        switch (order.Kind)
        {
            // A first vote retried after a broken connection may have been stored by the first attempt: 200 is right then.
            case VoteKind.First when status == 201 || (status == 200 && retried):
                _tally.FirstAccepted();
                _book.Acknowledge(order.Viewer, voteId!, _time.GetTimestamp());
                break;
            case VoteKind.Retry when status == 200:
                if (voteId == _book.VoteId(order.Viewer))
                {
                    _tally.DuplicateAnswered200();
                }
                else
                {
                    _tally.Wrong($"retry of viewer {order.Viewer} answered vote id {voteId}, first answer was {_book.VoteId(order.Viewer)}");
                }

                break;
            case VoteKind.Second when status == 409:
                _tally.SecondVoteAnswered409();
                break;
            default:
                _tally.Wrong($"{order.Kind} vote of viewer {order.Viewer} answered {status}");
                break;
        }
    }

    private async Task<(int Status, string? VoteId, TimeSpan RetryAfter, bool HasRetryAfter)> SendOnceAsync(VoteOrder order, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _path);
        request.Content = new ByteArrayContent(_bodies[order.Option]);
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _book.Token(order.Viewer));
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        string? voteId = null;
        if (status is 200 or 201 && !_book.Unlimited)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            voteId = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.VoteResponse)?.VoteId;
        }

        var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        return (status, voteId, TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks)),
            response.Headers.RetryAfter is not null);
    }
}
