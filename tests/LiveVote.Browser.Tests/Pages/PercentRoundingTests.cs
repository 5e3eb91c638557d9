using System.Text.Json;
using LiveVote.Browser.Tests.Infrastructure;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// js/percent.js as Chromium runs it: largest-remainder percentages that always sum to 100, and leaders where more than
/// one is a tie.
/// </summary>
public sealed class PercentRoundingTests(BrowserFixture browser) : PageTestBase(browser)
{
    private static async Task<int[]> RoundedAsync(Microsoft.Playwright.IPage page, params long[] counts) =>
        await page.EvaluateAsync<int[]>("async (counts) => (await import('/js/percent.js')).roundedPercents(counts)", counts);

    private static async Task<int[]> LeadersAsync(Microsoft.Playwright.IPage page, params long[] counts) =>
        await page.EvaluateAsync<int[]>("async (counts) => (await import('/js/percent.js')).leaders(counts)", counts);

    [Fact]
    public async Task RoundedPercents_KnownCases()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync("/");

        Assert.Equal(new[] { 33, 33, 34 }, (await RoundedAsync(page, 1, 1, 1)).Order().ToArray());
        Assert.Equal(new[] { 40, 40, 20 }, await RoundedAsync(page, 2, 2, 1));
        Assert.Equal(new[] { 33, 67 }, await RoundedAsync(page, 1, 2));
        Assert.Equal(new[] { 100, 0, 0 }, await RoundedAsync(page, 7, 0, 0));
        Assert.Equal(new[] { 0, 0, 0 }, await RoundedAsync(page, 0, 0, 0));
        Assert.Empty(await RoundedAsync(page));

        // 14.2857...% each: two of the seven get 15, which is the best any rounding summing to 100 can do.
        Assert.Equal(100, (await RoundedAsync(page, 1, 1, 1, 1, 1, 1, 1)).Sum());
        Assert.All(await RoundedAsync(page, 1, 1, 1, 1, 1, 1, 1), p => Assert.InRange(p, 14, 15));

        // Big counts stay exact: a tiny share is 0, never a negative or a 101.
        Assert.Equal(new[] { 100, 0, 0 }, await RoundedAsync(page, 1_000_000_000_000, 1, 1));
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Leaders_ATieNamesEveryLeader_NoVotesNoLeader()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync("/");

        Assert.Equal(new[] { 0, 1 }, await LeadersAsync(page, 2, 2, 1));
        Assert.Equal(new[] { 2 }, await LeadersAsync(page, 1, 2, 3));
        Assert.Equal(new[] { 1, 2 }, await LeadersAsync(page, 3, 5, 5));
        Assert.Empty(await LeadersAsync(page, 0, 0));
        Assert.Equal(new[] { 0, 1, 2 }, await LeadersAsync(page, 4, 4, 4));
        session.AssertNoErrors();
    }

    [Fact]
    public async Task RoundedPercents_ManyRandomPolls_SumTo100_AndKeepTheOrderOfTheCounts()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync("/");

        // Counts from a seeded generator, checked in the page: sum, each share within one point of the exact one, a
        // larger count never shown smaller, equal counts at most one point apart.
        var report = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const { roundedPercents } = await import('/js/percent.js');
              let seed = 20261205;
              const next = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
              const failures = [];
              let checked = 0;
              for (let i = 0; i < 5000; i++) {
                const size = 1 + next(20);
                const scale = [2, 10, 1000, 1000000][next(4)];
                const counts = Array.from({ length: size }, () => next(scale));
                const total = counts.reduce((a, b) => a + b, 0);
                const percents = roundedPercents(counts);
                const sum = percents.reduce((a, b) => a + b, 0);
                const fail = (why) => failures.push(`${why}: ${JSON.stringify(counts)} -> ${JSON.stringify(percents)}`);
                checked++;
                if (percents.length !== size) { fail('length'); continue; }
                if (total === 0) { if (sum !== 0) fail('not all zero'); continue; }
                if (sum !== 100) fail(`sum ${sum}`);
                counts.forEach((count, a) => {
                  const exact = count * 100 / total;
                  if (percents[a] < Math.floor(exact) || percents[a] > Math.ceil(exact)) fail(`share ${a}`);
                  counts.forEach((other, b) => {
                    if (count > other && percents[a] < percents[b]) fail(`order ${a} ${b}`);
                    if (count === other && Math.abs(percents[a] - percents[b]) > 1) fail(`equal ${a} ${b}`);
                  });
                });
              }
              return { checked, failures: failures.slice(0, 10) };
            }
            """);

        Assert.Equal(5000, report.GetProperty("checked").GetInt32());
        Assert.Empty(report.GetProperty("failures").EnumerateArray().Select(f => f.GetString()));
        session.AssertNoErrors();
    }
}
