using LiveVote.Contracts;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Polls;

/// <summary>
/// The public links of a poll, built from <c>LiveVote:PublicBaseUrl</c> (<see cref="PublicUrlOptions"/>) and never from
/// the request's host: every answer that carries a <see cref="PollDto"/> passes it through <see cref="Describe"/>.
/// </summary>
internal sealed class PollLinks(IOptions<PublicUrlOptions> options)
{
    private readonly string? _base = options.Value.Normalized();

    /// <summary>Whether a public base URL is configured (no vote URL, no QR code otherwise).</summary>
    public bool Configured => _base is not null;

    /// <summary>The poll with its <see cref="PollDto.VoteUrl"/> (null when no public base URL is configured).</summary>
    public PollDto Describe(PollDto poll)
    {
        ArgumentNullException.ThrowIfNull(poll);
        return _base is null ? poll : poll with { VoteUrl = VoteUrl(_base, poll) };
    }

    /// <summary>
    /// The one place a vote URL is built: the poll's join code under the public base (short, readable on air), or its
    /// vote page by id for a poll without a code.
    /// </summary>
    private static string VoteUrl(string publicBase, PollDto poll) => poll.Code is { } code
        ? $"{publicBase}/v/{Uri.EscapeDataString(code)}"
        : $"{publicBase}/vote/{Uri.EscapeDataString(poll.Id)}";
}
