using System.ComponentModel.DataAnnotations;
using LiveVote.Server.Security.Operators;

namespace LiveVote.Server.Tests.Security.Operators;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Defaults_AreOff_AndValid()
    {
        var options = new OperatorOptions();

        Assert.False(options.Enabled);
        Assert.Empty(Errors(options));
        Assert.Equal(["openid", "profile"], options.ScopeList().Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("https://login.broadcaster.example/realms/studio", "console", null)]
    [InlineData("http://127.0.0.1:8080/", "console", null)]
    [InlineData("http://localhost:8080/", "console", null)]
    [InlineData("http://login.broadcaster.example/", "console", "Authority")]
    [InlineData("https://login.broadcaster.example/?tenant=1", "console", "Authority")]
    [InlineData("login.broadcaster.example", "console", "Authority")]
    [InlineData("https://login.broadcaster.example/", " ", "ClientId")]
    public void Authority_MustBeHttpsOrLoopback_AndNeedsAClient(string authority, string clientId, string? wrong)
    {
        var errors = Errors(new OperatorOptions { Authority = authority, ClientId = clientId });

        if (wrong is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.MemberNames.Contains(wrong));
        }
    }

    [Fact]
    public void Scopes_AlwaysIncludeOpenId_Once()
    {
        var options = new OperatorOptions { Scopes = "email  openid profile" };

        Assert.Equal(["email", "openid", "profile"], options.ScopeList().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AServerWithAnUnusableAuthority_DoesNotStart()
    {
        var settings = new Dictionary<string, string?> { ["LiveVote:Operators:Authority"] = "http://login.broadcaster.example/", ["LiveVote:Operators:ClientId"] = "console" };

        var error = Record.Exception(() => new Infrastructure.LiveVoteServer(settings).Dispose());

        Assert.True(error is Microsoft.Extensions.Options.OptionsValidationException, error?.ToString());
        Assert.Contains("LiveVote:Operators:Authority", error!.Message, StringComparison.Ordinal);
    }

    private static List<ValidationResult> Errors(OperatorOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
