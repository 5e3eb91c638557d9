using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;

namespace LiveVote.Server.Tests.Security.Evidence;

/// <summary>
/// Nothing network-shaped in the public trail, on either store: a poll whose votes were refused by the risk score (and
/// one let through with a CAPTCHA), while three networks got themselves locked out of admin requests. Every public
/// audit page of the poll, and every entry in the audit table (lockouts included), holds no IPv4 or IPv6 address or
/// CIDR; the decisions' networks and signals are in the evidence store, readable with the admin key and refused without.
/// </summary>
public sealed partial class PublicTrailPrivacyTests
{
    private const int Viewers = 3;
    private static readonly string[] LockedOutNetworks = ["127.51.0.1", "127.52.0.1", "127.53.0.1"];

    /// <summary>Every new token scores the young-account weight (10): above the CAPTCHA threshold, below the block one.</summary>
    private static Dictionary<string, string?> Settings() => new()
    {
        ["LiveVote:Risk:Enabled"] = "true",
        ["LiveVote:Risk:CaptchaThreshold"] = "5",
        ["LiveVote:Risk:BlockThreshold"] = "1000",
        ["LiveVote:Captcha:MaxNumber"] = "50",
        ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "3",
    };

    [Fact]
    public async Task Sqlite_PublicTrail_HasNoNetworkData_AndTheEvidenceIsTheAdminsOnly()
    {
        await using var server = new LiveVoteServer(Settings());
        await RunAsync(server, () => Task.FromResult(StoreFile.ReadAudit(server.DatabasePath).Select(r => (r.Kind, r.Data)).ToList()));
    }

    [Fact]
    public async Task Postgres_PublicTrail_HasNoNetworkData_AndTheEvidenceIsTheAdminsOnly()
    {
        await using var fleet = await PostgresFleet.StartAsync(nodes: 1, settings: Settings());
        await RunAsync(fleet.Nodes[0], () => ReadPostgresAuditAsync(fleet.Postgres.ConnectionString()));
    }

    private static async Task RunAsync(LiveVoteServer server, Func<Task<List<(string Kind, string? Data)>>> readAuditTable)
    {
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, Viewers);
        using var voters = LoopbackClients.From(server, "127.42.0.7");

        // Each viewer's vote is refused (428); the first then solves the CAPTCHA and is counted.
        foreach (var viewer in viewers)
        {
            await ProblemAssert.IsAsync(await Api.VoteAsync(voters, poll.Id, viewer.Token, "a"), HttpStatusCode.PreconditionRequired, ErrorCodes.CaptchaRequired);
        }

        var challenge = (await voters.GetFromJsonAsync("/v1/captcha/challenge", ContractsJsonContext.Default.CaptchaChallengeDto))!;
        Assert.Equal(HttpStatusCode.Created, (await VoteWithCaptchaAsync(voters, poll.Id, viewers[0].Token, AltchaTestSolver.Solve(challenge))).StatusCode);

        // Three networks send wrong admin keys until they are locked out.
        foreach (var address in LockedOutNetworks)
        {
            using var guesser = LoopbackClients.From(server, address);
            guesser.DefaultRequestHeaders.Add("X-Admin-Key", "guess-0123456789-guess");
            for (var i = 0; i < 3; i++)
            {
                await guesser.GetAsync("/v1/polls");
            }

            await ProblemAssert.IsAsync(await guesser.GetAsync("/v1/polls"), HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);
        }

        // The queue is first in, first out: once the close is durable, every note posted before it is too.
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        // Public: every audit page of the poll, as served.
        var pages = await PublicAuditPagesAsync(server.Client(), poll.Id);
        var entries = pages.SelectMany(p => JsonDocument.Parse(p).RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())).ToList();
        var notes = entries.Where(e => e.GetProperty("kind").GetString() == "risk-decision").ToList();
        Assert.Equal(Viewers + 1, notes.Count);
        Assert.All(pages, AssertNothingNetworkShaped);

        // The whole audit table too, lockouts (which belong to no poll) included.
        var table = await readAuditTable();
        Assert.Equal(LockedOutNetworks.Length, table.Count(e => e.Kind == "admin-lockout"));
        Assert.All(table.Where(e => e.Data is not null), e => AssertNothingNetworkShaped(e.Data!));

        // The evidence: each public note names its row; the networks are there, for the admin key.
        var evidence = await EvidenceApi.OfPollAsync(admin, poll.Id, notes.Count);
        Assert.Equal(notes.Select(Evidence).Order(), evidence.Select(e => e.Ref).Order());
        Assert.All(evidence, e => Assert.Equal("127.42.0.0/24", e.Network));
        Assert.All(evidence, e => Assert.Equal(10, e.Detail.GetProperty("signals").GetProperty("young-account").GetInt32()));
        var lockouts = new List<string>();
        foreach (var lockout in table.Where(e => e.Kind == "admin-lockout"))
        {
            using var data = JsonDocument.Parse(lockout.Data!);
            lockouts.Add((await EvidenceApi.ByRefAsync(admin, data.RootElement.GetProperty("evidence").GetString()!)).Network);
        }

        Assert.Equal(["127.51.0.0/24", "127.52.0.0/24", "127.53.0.0/24"], lockouts.Order());

        // Without the admin key (none, or a wrong one) there is no evidence to read.
        var anonymous = await server.Client().GetAsync($"/v1/admin/evidence?poll={poll.Id}");
        using var wrongKey = server.Client();
        wrongKey.DefaultRequestHeaders.Add("X-Admin-Key", "not-the-admin-key-0123");
        var wrong = await wrongKey.GetAsync("/v1/admin/evidence");
        foreach (var refused in new[] { anonymous, wrong })
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        }

        // An erasure request for the first viewer deletes the evidence kept under their voter key in the poll (the refusal
        // and the solved CAPTCHA), and nobody else's.
        var erasure = await admin.PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(viewers[0].ViewerId), ContractsJsonContext.Default.ErasureRequest);
        Assert.Equal(HttpStatusCode.OK, erasure.StatusCode);
        var erased = (await erasure.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ErasureResponse))!;
        var key = Assert.Single(erased.Polls, p => p.PollId == poll.Id).VoterKey;
        Assert.Equal(evidence.Count(e => e.VoterKey == key), erased.EvidenceRowsRemoved);
        Assert.Equal(2, erased.EvidenceRowsRemoved);
        var left = await EvidenceApi.OfPollAsync(admin, poll.Id, notes.Count - 2);
        Assert.DoesNotContain(left, e => e.VoterKey == key);
        Assert.Equal(evidence.Count - 2, left.Count);
    }

    /// <summary>
    /// No IPv4 address (so no IPv4 CIDR) anywhere in the text, and no string in it (JSON values and names, and the JSON
    /// inside an entry's <c>data</c>) that is an IPv6 address or CIDR, or names a network. Timestamps (<c>at</c>) are the
    /// only strings with colons and digits, so they are left out of the IPv6 check.
    /// </summary>
    private static void AssertNothingNetworkShaped(string json)
    {
        Assert.DoesNotMatch(Ipv4(), json);
        Assert.DoesNotContain("\"network\"", json, StringComparison.OrdinalIgnoreCase);
        foreach (var value in Strings(JsonDocument.Parse(json).RootElement, null))
        {
            Assert.DoesNotMatch(Ipv6(), value);
            // IPAddress.TryParse also takes "1234" or "1.2" (as IPv4 shorthands); an address has a dot or a colon, and
            // nothing but hex digits, dots, colons and a prefix length.
            var addressShaped = value.Length > 0 && value.IndexOfAny(['.', ':']) >= 0 && value.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':' or '/');
            Assert.False(addressShaped && IPAddress.TryParse(value.Split('/')[0], out _), $"an address in the public trail: {value}");
        }
    }

    private static IEnumerable<string> Strings(JsonElement element, string? name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var value in Strings(property.Value, property.Name))
                    {
                        yield return value;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var value in element.EnumerateArray().SelectMany(e => Strings(e, name)))
                {
                    yield return value;
                }

                break;
            case JsonValueKind.String when name == "data" && element.GetString() is { Length: > 0 } data && data[0] == '{':
                AssertNothingNetworkShaped(data);
                yield return data;
                break;
            case JsonValueKind.String when name != "at":
                yield return element.GetString()!;
                break;
        }
    }

    private static string Evidence(JsonElement entry)
    {
        using var data = JsonDocument.Parse(entry.GetProperty("data").GetString()!);
        return data.RootElement.GetProperty("evidence").GetString()!;
    }

    private static async Task<List<string>> PublicAuditPagesAsync(HttpClient client, string pollId)
    {
        var pages = new List<string>();
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await client.GetStringAsync($"/v1/polls/{pollId}/audit?after={cursor}&limit=2");
            pages.Add(page);
            after = JsonDocument.Parse(page).RootElement.GetProperty("next") is { ValueKind: JsonValueKind.Number } next ? next.GetInt64() : null;
        }

        return pages;
    }

    private static async Task<List<(string Kind, string? Data)>> ReadPostgresAuditAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT kind, data FROM audit", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return rows;
    }

    private static Task<HttpResponseMessage> VoteWithCaptchaAsync(HttpClient client, string pollId, string token, string solution)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest("a"), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Captcha", solution);
        return client.SendAsync(request);
    }

    [GeneratedRegex(@"(?<![0-9.])(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}(?![0-9])")]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"(?<![0-9A-Za-z:])([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(/[0-9]{1,3})?(?![0-9A-Za-z:])")]
    private static partial Regex Ipv6();
}
