using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using QRCoder;

namespace LiveVote.Server.Polls;

/// <summary>
/// <c>GET /v1/polls/{pollId}/qr.svg</c>: the QR code of the poll's vote URL (<see cref="PollLinks"/>) for the on-air
/// call to action, as SVG (sharp at any size a graphic scales it to). Public like the poll itself: a draft only with
/// the admin key, for the graphics operator's preview.
/// </summary>
internal static class PollQrCode
{
    public const string MediaType = "image/svg+xml";

    /// <summary>
    /// A poll's URL does not change once configured; five minutes of caching lets the graphic and a CDN keep the image
    /// without asking again, while a reconfigured base URL still shows within minutes.
    /// </summary>
    public const string PublicCaching = "public, max-age=300";

    /// <summary>Modules of the QR code per SVG unit; the SVG scales by its viewBox, so this only sets the coordinates.</summary>
    private const int UnitsPerModule = 8;

    public static RouteHandlerBuilder MapPollQrCode(this RouteGroupBuilder poll) =>
        poll.MapGet("/qr.svg", Get).WithTags("Polls")
            .Produces<string>(StatusCodes.Status200OK, MediaType)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static Results<ContentHttpResult, ProblemHttpResult> Get(string pollId, HttpContext context, PollRegistry polls, PollLinks links)
    {
        if (!links.Configured)
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.PublicUrlUnset, "No public vote URL is configured.",
                "Set LiveVote:PublicBaseUrl to the address viewers reach the vote page at.");
        }

        // A draft is the producer's secret until it opens: to the public it does not exist.
        var admin = AdminKey.IsVerified(context);
        if (!polls.TryGet(pollId, out var poll) || (poll.Status == PollStatus.Draft && !admin))
        {
            return Problems.PollNotFound(pollId);
        }

        // A draft's code is for the operator's preview only: no cache may keep it for anyone else.
        context.Response.Headers.CacheControl = poll.Status == PollStatus.Draft ? "private, no-store" : PublicCaching;
        return TypedResults.Content(Svg(links.Describe(poll.ToDto()).VoteUrl!), MediaType);
    }

    /// <summary>
    /// The QR code of <paramref name="text"/>: error correction M (15% of the code may be hidden or misread, enough for a
    /// camera pointed at a TV), the standard four-module quiet zone, black on white (a QR code read by phones must be
    /// dark on light), sized by its viewBox.
    /// </summary>
    internal static string Svg(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(UnitsPerModule, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
