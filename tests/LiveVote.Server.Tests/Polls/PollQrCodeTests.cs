using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using QRCoder;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// <c>LiveVote:PublicBaseUrl</c>: each poll's vote URL in its <see cref="PollDto"/>, and <c>GET /v1/polls/{id}/qr.svg</c>,
/// whose QR code decodes (ZXing, independently of the library that drew it) to that URL, never to the request's host.
/// </summary>
public sealed partial class PollQrCodeTests : IAsyncLifetime
{
    private const string PublicBase = "https://vote.example.org/show";

    private LiveVoteServer _server = null!;

    public Task InitializeAsync()
    {
        // Configured with a trailing slash, as operators often write it: the URLs have no double slash.
        _server = new LiveVoteServer(new() { ["LiveVote:PublicBaseUrl"] = PublicBase + "/" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PollDto_CarriesTheVoteUrlUnderThePublicBase_InEveryAnswer()
    {
        var admin = _server.AdminClient();
        var created = await Api.CreatePollAsync(admin);
        var expected = $"{PublicBase}/v/{created.Code}";
        var opened = await (await admin.PostAsync($"/v1/polls/{created.Id}/open", null)).Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto);
        var read = await _server.Client().GetFromJsonAsync($"/v1/polls/{created.Id}", ContractsJsonContext.Default.PollDto);
        var listed = (await _server.Client().GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!.Polls.Single(p => p.Id == created.Id);

        Assert.Equal(expected, created.VoteUrl);
        Assert.Equal(expected, opened!.VoteUrl);
        Assert.Equal(expected, read!.VoteUrl);
        Assert.Equal(expected, listed.VoteUrl);
    }

    [Fact]
    public async Task QrCode_OfAnOpenPoll_IsACacheableSvgThatDecodesToTheVoteUrl()
    {
        var poll = await Api.CreateOpenPollAsync(_server.AdminClient());

        using var response = await _server.Client().GetAsync($"/v1/polls/{poll.Id}/qr.svg");
        var svg = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 300 }, $"Cache-Control: {response.Headers.CacheControl}");
        var modules = Modules(svg);
        Assert.Equal($"{PublicBase}/v/{poll.Code}", Decode(modules));
        AssertFinderPatterns(modules);

        // The very modules QRCoder draws for that URL: the code holds the configured URL and nothing else.
        Assert.Equal(Expected($"{PublicBase}/v/{poll.Code}"), modules);
    }

    [Fact]
    public async Task QrCode_RequestedThroughAnotherHost_IsTheSameImage()
    {
        var poll = await Api.CreateOpenPollAsync(_server.AdminClient());
        var client = _server.Client();

        var direct = await client.GetStringAsync($"/v1/polls/{poll.Id}/qr.svg");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/polls/{poll.Id}/qr.svg");
        request.Headers.Host = "obs-machine.internal:8080";
        request.Headers.Add("X-Forwarded-Host", "attacker.example");
        using var viaOtherHost = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, viaOtherHost.StatusCode);
        Assert.Equal(direct, await viaOtherHost.Content.ReadAsStringAsync());
        Assert.Equal($"{PublicBase}/v/{poll.Code}", Decode(Modules(direct)));
    }

    [Fact]
    public async Task QrCode_OfADraft_IsForTheAdminOnly_AndNeverCachedPublicly()
    {
        var draft = await Api.CreatePollAsync(_server.AdminClient());

        using var forPublic = await _server.Client().GetAsync($"/v1/polls/{draft.Id}/qr.svg");
        using var forAdmin = await _server.AdminClient().GetAsync($"/v1/polls/{draft.Id}/qr.svg");

        await ProblemAssert.IsAsync(forPublic, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(HttpStatusCode.OK, forAdmin.StatusCode);
        Assert.True(forAdmin.Headers.CacheControl is { NoStore: true, Private: true, Public: false }, $"Cache-Control: {forAdmin.Headers.CacheControl}");
        Assert.Equal($"{PublicBase}/v/{draft.Code}", Decode(Modules(await forAdmin.Content.ReadAsStringAsync())));
    }

    [Fact]
    public async Task QrCode_OfAnUnknownPoll_IsPollNotFound()
    {
        using var response = await _server.Client().GetAsync("/v1/polls/no-such-poll/qr.svg");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Fact]
    public async Task WithoutAPublicBaseUrl_NoVoteUrl_AndTheQrCodeIsPublicUrlUnset()
    {
        await using var server = new LiveVoteServer();
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());

        var read = await server.Client().GetFromJsonAsync($"/v1/polls/{poll.Id}", ContractsJsonContext.Default.PollDto);
        using var qr = await server.Client().GetAsync($"/v1/polls/{poll.Id}/qr.svg");

        Assert.Null(poll.VoteUrl);
        Assert.Null(read!.VoteUrl);
        await ProblemAssert.IsAsync(qr, HttpStatusCode.NotFound, ErrorCodes.PublicUrlUnset);
    }

    /// <summary>
    /// The SVG's dark modules: a well-formed SVG document whose viewBox is the code with its quiet zone, one unit per
    /// module, and whose path draws each row's runs of dark modules (<c>M x y h w v1 h-w z</c>).
    /// </summary>
    private static bool[,] Modules(string svg)
    {
        var root = XDocument.Parse(svg).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", root.Name);
        var viewBox = root.Attribute("viewBox")!.Value.Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(0, viewBox[0]);
        Assert.Equal(0, viewBox[1]);
        Assert.Equal(viewBox[2], viewBox[3]);
        var size = viewBox[2];
        var modules = new bool[size, size];
        var path = root.Element(ns + "path")!.Attribute("d")!.Value;
        var runs = Run().Matches(path);
        Assert.NotEmpty(runs);
        foreach (Match run in runs)
        {
            var (x, y, width) = (int.Parse(run.Groups["x"].Value), int.Parse(run.Groups["y"].Value), int.Parse(run.Groups["w"].Value));
            for (var i = 0; i < width; i++)
            {
                modules[y, x + i] = true;
            }
        }

        // Nothing in the path but those runs.
        Assert.Equal(path.Length, runs.Sum(m => m.Length));
        return modules;
    }

    /// <summary>What QRCoder itself draws for <paramref name="text"/>, with its quiet zone, as a module grid.</summary>
    private static bool[,] Expected(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var size = data.ModuleMatrix.Count;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                modules[y, x] = data.ModuleMatrix[y][x];
            }
        }

        return modules;
    }

    /// <summary>The three 7x7 finder patterns (dark ring, light ring, dark 3x3 core) inside the four-module quiet zone.</summary>
    private static void AssertFinderPatterns(bool[,] modules)
    {
        const int Quiet = 4;
        var size = modules.GetLength(0);
        foreach (var (left, top) in new[] { (Quiet, Quiet), (size - Quiet - 7, Quiet), (Quiet, size - Quiet - 7) })
        {
            for (var y = 0; y < 7; y++)
            {
                for (var x = 0; x < 7; x++)
                {
                    var ring = Math.Max(Math.Abs(x - 3), Math.Abs(y - 3));
                    Assert.True(modules[top + y, left + x] == (ring != 2), $"finder at ({left},{top}) module ({x},{y})");
                }
            }
        }

        for (var i = 0; i < size; i++)
        {
            Assert.False(modules[0, i] || modules[i, 0] || modules[size - 1, i] || modules[i, size - 1], "quiet zone");
        }
    }

    /// <summary>Rasterises the modules (4 px each, dark on white) and decodes them with ZXing's QR reader.</summary>
    private static string Decode(bool[,] modules)
    {
        const int Scale = 4;
        var size = modules.GetLength(0) * Scale;
        var pixels = new byte[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                pixels[(y * size) + x] = modules[y / Scale, x / Scale] ? (byte)0 : (byte)255;
            }
        }

        var bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(pixels, size, size, RGBLuminanceSource.BitmapFormat.Gray8)));
        var result = new QRCodeReader().decode(bitmap, new Dictionary<DecodeHintType, object> { [DecodeHintType.PURE_BARCODE] = true });
        Assert.NotNull(result);
        return result.Text;
    }

    [GeneratedRegex(@"M(?<x>[0-9]+) (?<y>[0-9]+)h(?<w>[0-9]+)v1h-\k<w>z")]
    private static partial Regex Run();
}
