using System.Text.Json;

namespace LiveVote.Server.Tests.Hosting.OpenApi;

/// <summary>The OpenAPI document as a client reads it from <c>/openapi/v1.json</c>.</summary>
public sealed class ApiDocumentFile
{
    public const string Path = "/openapi/v1.json";

    private ApiDocumentFile(string json, Dictionary<(string Method, string Route), IReadOnlySet<int>> operations, IReadOnlySet<string> problemCodes)
    {
        Json = json;
        Operations = operations;
        ProblemCodes = problemCodes;
    }

    public string Json { get; }

    /// <summary>Each operation (upper-case method, path as written in the document) and its documented status codes.</summary>
    public IReadOnlyDictionary<(string Method, string Route), IReadOnlySet<int>> Operations { get; }

    /// <summary>The values the problem schema allows in its <c>code</c> member.</summary>
    public IReadOnlySet<string> ProblemCodes { get; }

    public static async Task<ApiDocumentFile> ReadAsync(HttpClient client)
    {
        var response = await client.GetAsync(Path);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var operations = new Dictionary<(string, string), IReadOnlySet<int>>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var statuses = operation.Value.GetProperty("responses").EnumerateObject()
                    .Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
                operations[(operation.Name.ToUpperInvariant(), path.Name)] = statuses;
            }
        }

        var codes = root.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails")
            .GetProperty("properties").GetProperty("code").GetProperty("enum")
            .EnumerateArray().Select(c => c.GetString()!).ToHashSet(StringComparer.Ordinal);
        return new ApiDocumentFile(json, operations, codes);
    }
}
