using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Telemetry;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Docs;

/// <summary>
/// Keeps docs/design.md true to the code: its route table lists exactly the routes the running server maps, it names
/// every configuration key the options classes bind (and no key that does not exist), its sections are the issue's, in
/// order, and every Mermaid block starts with a diagram type.
/// </summary>
public sealed partial class DesignDocTests
{
    private static readonly string[] RequiredHeadings =
    [
        "## 1. Problem statement and context",
        "## 2. Goals",
        "## 3. Non-goals",
        "## 4. Principles",
        "## 5. Diagrams",
        "## 6. Trade-offs",
        "## 7. Components",
        "## 8. Migrations",
        "## 9. Testing strategy",
        "## 10. Observability strategy",
        "## 11. Data store designs",
        "## 12. Technology stack",
        "## 13. References",
    ];

    private static readonly string[] MermaidDiagramTypes =
        ["flowchart", "graph", "classDiagram", "sequenceDiagram", "stateDiagram-v2", "erDiagram"];

    private static string Document => File.ReadAllText(Path.Combine(ObservabilityFiles.Directory, "design.md"));

    [Fact]
    public async Task RouteTable_ListsExactlyTheRoutesTheServerMaps()
    {
        await using var server = new LiveVoteServer();
        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => Methods(endpoint).Select(method => $"{method} {Route(endpoint)}"))
            .ToHashSet(StringComparer.Ordinal);

        var documented = RouteTableRows(Section(Document, "## 7."));

        Assert.True(mapped.Count >= 15, $"Only {mapped.Count} routes found: {string.Join(", ", mapped)}");
        Assert.Equal(mapped.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ComponentContracts_NameEveryConfigurationKey()
    {
        var contracts = Section(Document, "## 7.");
        var keys = ConfigurationKeys();
        var missing = keys.Select(k => k.Key).Where(key => !contracts.Contains('`' + key + '`', StringComparison.Ordinal))
            .Concat(keys.SelectMany(k => k.Parts).Distinct().Where(part => !contracts.Contains('`' + part + '`', StringComparison.Ordinal)))
            .ToList();

        Assert.True(keys.Count >= 60, $"Only {keys.Count} keys found.");
        Assert.True(missing.Count == 0, "Not in section 7 of docs/design.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Document_NamesNoConfigurationKeyThatDoesNotExist()
    {
        var known = ConfigurationKeys().SelectMany(k => k.Parts.Select(part => k.Key + ":" + part).Append(k.Key))
            .Concat(Sections()).ToHashSet(StringComparer.Ordinal);
        var unknown = ConfigKeyPattern().Matches(Document).Select(m => m.Value).Where(key => !known.Contains(key)).Distinct().ToList();

        Assert.True(unknown.Count == 0, "docs/design.md names keys no options class binds: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Document_HasTheRequiredSectionsInOrder()
    {
        var lines = Document.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var positions = RequiredHeadings.Select(heading => lines.IndexOf(heading)).ToList();

        Assert.All(RequiredHeadings.Zip(positions), pair => Assert.True(pair.Second >= 0, $"Missing heading: {pair.First}"));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Components_HaveAClassDiagramEach()
    {
        var components = Section(Document, "## 7.").Split("\n### ").Skip(1).ToList();

        Assert.True(components.Count >= 8, $"Only {components.Count} component subsections.");
        Assert.All(components, component => Assert.Contains("```mermaid\nclassDiagram", component, StringComparison.Ordinal));
    }

    [Fact]
    public void MermaidBlocks_AreNonEmptyAndStartWithADiagramType()
    {
        var blocks = MermaidBlock().Matches(Document).Select(m => m.Groups["body"].Value).ToList();

        Assert.True(blocks.Count >= 12, $"Only {blocks.Count} Mermaid blocks.");
        Assert.All(blocks, body =>
        {
            var first = body.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.Length > 0) ?? "";
            Assert.True(MermaidDiagramTypes.Any(type => first == type || first.StartsWith(type + " ", StringComparison.Ordinal)),
                $"A Mermaid block starts with '{first}'.");
            Assert.True(body.Split('\n').Count(line => line.Trim().Length > 0) >= 3, "A Mermaid block has no content: " + body);
        });
    }

    /// <summary>
    /// Every key an options class binds: its <c>Section</c> constant joined with each public property. A property of a
    /// settings class of our own (a token bucket, a risk signal) is one key whose parts (that class's properties) the
    /// document names once, in its defaults, rather than as one full key per part.
    /// </summary>
    private static List<(string Key, string[] Parts)> ConfigurationKeys()
    {
        var keys = new List<(string Key, string[] Parts)>();
        foreach (var type in typeof(Program).Assembly.GetTypes())
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } field)
            {
                continue;
            }

            var section = (string)field.GetRawConstantValue()!;
            foreach (var property in BoundProperties(type))
            {
                var parts = IsSettingsClass(property.PropertyType) ? BoundProperties(property.PropertyType).Select(p => p.Name).ToArray() : [];
                keys.Add((section + ":" + property.Name, parts));
            }
        }

        return keys;
    }

    private static IEnumerable<string> Sections() =>
        typeof(Program).Assembly.GetTypes()
            .Select(type => type.GetField("Section", BindingFlags.Public | BindingFlags.Static))
            .Where(field => field is { IsLiteral: true })
            .Select(field => (string)field!.GetRawConstantValue()!);

    private static IEnumerable<PropertyInfo> BoundProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } || (p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType)));

    private static bool IsSettingsClass(Type type) =>
        type.IsClass && type != typeof(string) && type.Assembly == typeof(Program).Assembly && !typeof(IEnumerable).IsAssignableFrom(type);

    private static IEnumerable<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"];

    /// <summary>The pattern as written, without the trailing slash a group's "/" leaves.</summary>
    private static string Route(RouteEndpoint endpoint)
    {
        var text = endpoint.RoutePattern.RawText ?? "";
        return text.Length > 1 ? text.TrimEnd('/') : text;
    }

    /// <summary>Rows of the route table: the first cell is <c>`METHOD /path`</c>.</summary>
    private static HashSet<string> RouteTableRows(string text) =>
        RouteRow().Matches(text).Select(m => m.Groups["route"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The text from the heading that starts with <paramref name="prefix"/> to the next level-2 heading.</summary>
    private static string Section(string document, string prefix)
    {
        var start = document.IndexOf("\n" + prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, $"No section {prefix}");
        var end = document.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return document[start..(end < 0 ? document.Length : end)].Replace("\r", "", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\| `(?<route>(GET|POST|PUT|PATCH|DELETE|ANY) /[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex RouteRow();

    [GeneratedRegex(@"LiveVote(:[A-Z][A-Za-z]*)+")]
    private static partial Regex ConfigKeyPattern();

    [GeneratedRegex(@"```mermaid\r?\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex MermaidBlock();
}
