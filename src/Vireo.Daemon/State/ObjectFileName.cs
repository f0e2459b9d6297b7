using Vireo.Core.Errors;

namespace Vireo.Daemon.State;

/// <summary>
/// Defence in depth behind the name rule definitions are validated with: a name that would leave its
/// directory never becomes a path, whatever let it through.
/// </summary>
public static class ObjectFileName
{
    public static string Checked(string name) =>
        name is "" or "." or ".." || name.Contains('/') || name.Any(char.IsControl)
            ? throw new VireoException(ErrorCode.InvalidArgument, $"'{name}' cannot be used as a file name")
            : name;
}
