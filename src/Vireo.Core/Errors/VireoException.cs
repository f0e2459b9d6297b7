namespace Vireo.Core.Errors;

/// <summary>The one exception type for errors a user can act on.</summary>
public sealed class VireoException : Exception
{
    public VireoException(ErrorCode code, string message, IReadOnlyList<string>? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Details = details ?? [];
    }

    public ErrorCode Code { get; }

    /// <summary>Every individual problem, when validation found more than one.</summary>
    public IReadOnlyList<string> Details { get; }

    public static VireoException NoDomain(string name) =>
        new(ErrorCode.NoDomain, $"Domain not found: no domain with matching name '{name}'");

    public static VireoException Invalid(string message) => new(ErrorCode.OperationInvalid, message);

    /// <summary>"invalid WHAT: problem", or "invalid WHAT: N problems: a; b", with every problem in Details.</summary>
    public static VireoException Validation(string what, IReadOnlyList<string> problems) =>
        new(ErrorCode.XmlValidation,
            problems.Count == 1 ? $"invalid {what}: {problems[0]}" : $"invalid {what}: {problems.Count} problems: {string.Join("; ", problems)}",
            problems);
}
