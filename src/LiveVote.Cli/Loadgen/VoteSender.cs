using System.Net;
using System.Text;
using System.Text.Json;
using LiveVote.Cli.Loadgen.RawHttp;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// Sends one vote until it has a final answer and judges that answer. A 503 (overloaded, store unavailable) is sent
/// again after its Retry-After, and so is a vote whose connection broke: the same vote, so the server's dedup makes
/// the retry safe, and a first vote that got through before the break comes back 200 with its vote id. The request
/// goes out on a raw keep-alive connection (<see cref="VoteConnection"/>) as bytes laid out from a template: the load
/// generator shares the machine with the server it measures, so its CPU per vote is kept small.
/// </summary>
internal sealed class VoteSender
{
    private const int MaxAttempts = 20;
    private readonly VoteConnectionPool _connections;
    private readonly VoteBook _book;
    private readonly VoteTally _tally;
    private readonly TimeProvider _time;
    private readonly VoteRequestTemplate _template;

    public VoteSender(VoteConnectionPool connections, Uri url, VoteBook book, VoteTally tally, TimeProvider time, string pollId)
    {
        _connections = connections;
        _book = book;
        _tally = tally;
        _time = time;
        // The bodies are made once: the client's own JSON work must not eat the CPU the server is measured with.
        _template = new VoteRequestTemplate(url, $"/v1/polls/{pollId}/votes",
            [.. Enumerable.Range(0, book.Options).Select(o => Encoding.UTF8.GetBytes($"{{\"optionId\":\"{OptionId(o)}\"}}"))]);
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
        var token = _book.Token(order.Viewer);
        var connection = await _connections.RentAsync(cancellationToken).ConfigureAwait(false);
        var reusable = false;
        try
        {
            var length = _template.Write(connection.RequestBuffer(_template.Length(token, order.Option)), token, order.Option);
            var (head, body) = await connection.SendAsync(length, cancellationToken).ConfigureAwait(false);
            reusable = !head.ConnectionClose;
            // The body lives in the connection's buffer: read before the connection goes back to the pool.
            var voteId = head.Status is 200 or 201 && !_book.Unlimited ? VoteIdOf(body.Span) : null;
            var retryAfter = head.RetryAfter ?? TimeSpan.FromSeconds(1);
            return (head.Status, voteId, TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks)),
                head.HasRetryAfter);
        }
        finally
        {
            await _connections.ReturnAsync(connection, reusable).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The top-level "voteId" of a vote answer (the only field the checks need: it is the audit seq), read without
    /// materialising the whole answer. Null when absent or not JSON, which the judge reports as a wrong answer.
    /// </summary>
    internal static string? VoteIdOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVoteId = reader.ValueTextEquals("voteId"u8);
                reader.Read();
                if (isVoteId)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
