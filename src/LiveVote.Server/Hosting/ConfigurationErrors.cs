using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// A bad configuration value stops the server with one line on stderr naming the key and the problem, and exit code 1:
/// what an operator (or systemd, or a deploy playbook) needs, where a stack trace from the configuration binder or the
/// options validator buries the key in forty lines. Any other exception stays an ordinary crash with its stack trace:
/// that is a bug, and the trace is what finds it.
/// </summary>
public static partial class ConfigurationErrors
{
    public const int ExitCode = 1;

    private static int _hooked;

    /// <summary>
    /// First line of Program.cs: from here on, a configuration error that escapes (while the services are added, built,
    /// or started) ends the process as described above. Values read while the services are added (storage kind, URLs)
    /// fail there; the rest fail in <see cref="CheckConfiguration"/>.
    /// </summary>
    public static void ExitOnBadConfiguration()
    {
        // Only when this server is the process: a test host that runs Program in its own process keeps its exceptions.
        if (Assembly.GetEntryAssembly() == typeof(ConfigurationErrors).Assembly && Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            {
                if (e.ExceptionObject is Exception exception && Describe(exception) is { } line)
                {
                    Console.Error.WriteLine(line);
                    Console.Error.Flush();
                    Environment.Exit(ExitCode);
                }
            };
        }
    }

    /// <summary>
    /// Runs the options validation (<c>ValidateOnStart</c>), creates the hosted services, which read their options
    /// and secrets in their constructors, and runs their <see cref="IStartupCheck"/>s, before the host starts: a bad value then fails here, not inside the host's
    /// start, which would first log it as "Hosting failed to start" with the whole stack trace. The host reuses what
    /// was created (singletons) and validates again, at no cost.
    /// </summary>
    public static WebApplication CheckConfiguration(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<IStartupValidator>()?.Validate();
        foreach (var check in app.Services.GetServices<IHostedService>().OfType<IStartupCheck>())
        {
            check.Verify();
        }

        return app;
    }

    /// <summary>
    /// The one line for a configuration error anywhere in <paramref name="exception"/>'s chain
    /// (<c>livevote: bad configuration: {key}: {problem}</c>), or null when it is not one.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (Problem(e) is { } problem)
            {
                // One line, whatever the value or the validator's message held.
                return "livevote: bad configuration: " + problem.ReplaceLineEndings(" ");
            }
        }

        return null;
    }

    private static string? Problem(Exception e) => e switch
    {
        BadConfigurationException bad => bad.Message,
        OptionsValidationException validation => Describe(validation),

        // The binder's own message names the key and the value: "Failed to convert configuration value 'abc' at
        // 'LiveVote:Sqlite:CacheSizeMiB' to type 'System.Int32'."
        InvalidOperationException { Message: var message } when BinderConversion().Match(message) is { Success: true } m =>
            $"{m.Groups["key"].Value}: '{m.Groups["value"].Value}' is not a valid {FriendlyType(m.Groups["type"].Value)}.",
        _ => null,
    };

    /// <summary>
    /// Each failure with its key: the options class's <c>Section</c> constant and the member a data annotation names;
    /// a failure of a custom rule (<c>Validate(...)</c>) already reads as a sentence about its section.
    /// </summary>
    private static string Describe(OptionsValidationException validation)
    {
        var section = validation.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        var failures = validation.Failures.Select(failure =>
        {
            if (DataAnnotationFailure().Match(failure) is { Success: true } annotation)
            {
                var key = section is null ? annotation.Groups["member"].Value : $"{section}:{annotation.Groups["member"].Value}";
                return $"{key}: {annotation.Groups["error"].Value}";
            }

            return section is null || failure.StartsWith(section, StringComparison.Ordinal) ? failure : $"{section}: {failure}";
        });
        return string.Join(" ", failures);
    }

    private static string FriendlyType(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "whole number",
        "System.Double" => "number",
        "System.Boolean" => "boolean (true or false)",
        "System.TimeSpan" => "duration (hh:mm:ss)",
        "System.Uri" => "URI",
        _ when type.Contains('.', StringComparison.Ordinal) && Type.GetType(type + ", " + typeof(ConfigurationErrors).Assembly.FullName) is { IsEnum: true } enumType =>
            "value (use one of " + string.Join(", ", Enum.GetNames(enumType)) + ")",
        _ => type[(type.LastIndexOf('.') + 1)..],
    };

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex BinderConversion();

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']+' members: '(?<member>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
