using System.Reflection;
using System.Text.Json;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>
/// Runs axe-core (the npm package pinned in this project's package.json, installed by test.sh with <c>npm ci</c>) in a
/// page as it is, and lists the violations of serious or critical impact. The script is evaluated through the DevTools
/// protocol, so the pages' strict Content-Security-Policy stays on while they are checked.
/// </summary>
public static class AccessibilityCheck
{
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var root = typeof(AccessibilityCheck).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var path = Path.Combine(root, "tests", "LiveVote.Browser.Tests", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"{path} is missing: run `npm ci` in tests/LiveVote.Browser.Tests (test.sh does).");
    });

    /// <summary>Serious and critical violations, one line each: rule, impact, what to fix and where.</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync($"() => {{ {AxeSource.Value}\n }}");
        }

        // Contrast is judged on the settled frame: a fade-in still running (the graphic's figures take 700 ms) would be
        // measured half transparent. Endless animations (the live dot's pulse) never settle and are left running.
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              await Promise.all(document.getAnimations()
                .filter(a => a.effect?.getComputedTiming().iterations !== Infinity)
                .map(a => a.finished.catch(() => null)));
              const results = await window.axe.run(document, { resultTypes: ['violations'] });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        return [.. violations.EnumerateArray().Select(v => v.GetString()!)];
    }

    public static async Task AssertNoSeriousViolationsAsync(IPage page, string what)
    {
        var violations = await SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, $"{what}: axe-core found serious or critical violations:\n" + string.Join("\n", violations));
    }
}
