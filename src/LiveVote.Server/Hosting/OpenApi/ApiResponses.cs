namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>Answers shared by several routes, declared where each route is mapped.</summary>
public static class ApiResponses
{
    /// <summary>
    /// A route that reads a JSON body: 400 unreadable JSON or wrong types, 413 a body over
    /// <see cref="LiveVoteServices.MaxRequestBodyBytes"/>, 415 not JSON or a charset the server cannot read.
    /// </summary>
    public static TBuilder ProducesBodyProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>A change of a poll through the writer: 409 the change is not allowed now, 503 it could not be stored.</summary>
    public static TBuilder ProducesChangeProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
