using System.Security.Cryptography;
using System.Text;
using Vireo.Host.Interop;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// The token every request on the TCP listener must carry (<c>Authorization: Bearer TOKEN</c>), read
/// once at start from a file only root can read. Only its SHA-256 is kept, and requests are compared
/// against it in constant time.
/// </summary>
public sealed class BearerToken
{
    /// <summary>Shorter tokens can be guessed; 32 bytes is what <c>head -c 24 /dev/urandom | base64</c> prints.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _sha256;

    private BearerToken(byte[] sha256) => _sha256 = sha256;

    /// <summary>True when <paramref name="presented"/> is the token; takes the same time whatever it is.</summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _sha256);

    /// <summary>
    /// Reads and checks the token file: a regular file owned by root, with no access for its group or
    /// others, holding at least <see cref="MinimumLength"/> printable ASCII characters (surrounding
    /// whitespace, such as the final newline, is not part of the token). Each refusal says which rule failed.
    /// </summary>
    public static BearerToken Load(string path)
    {
        byte[] bytes;
        try
        {
            // Its type first: opening a fifo would wait for a writer.
            if (LibC.StatFile(path) is { IsRegularFile: false } named) throw Refused(path, $"it is a {named.TypeName}, not a regular file");
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            var status = LibC.StatFile(handle, path);
            if (!status.IsRegularFile) throw Refused(path, $"it is a {status.TypeName}, not a regular file");
            if (status.Uid != 0) throw Refused(path, $"it is owned by uid {status.Uid}, not by root (chown root: '{path}')");
            if (Exposure(status.Permissions) is { } exposed)
                throw Refused(path, $"its mode is {Octal(status.Permissions)}: {exposed} (chmod 600 '{path}')");
            var length = RandomAccess.GetLength(handle);
            if (length > 4096) throw Refused(path, $"it is {length} bytes long; a token file holds one token");
            bytes = new byte[length];
            RandomAccess.Read(handle, bytes, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the token file '{path}': {e.Message}", e);
        }
        var token = Encoding.ASCII.GetString(bytes).Trim();
        if (bytes.Any(b => b > 0x7e) || token.Any(c => c is < '!' or > '~'))
            throw Refused(path, "the token must be printable ASCII without spaces (it travels in an HTTP header)");
        if (token.Length < MinimumLength)
            throw Refused(path, $"the token is {token.Length} bytes long; at least {MinimumLength} are needed (e.g. head -c 24 /dev/urandom | base64 > '{path}')");
        return new BearerToken(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
    }

    private static string? Exposure(UnixFileMode mode)
    {
        var who = new List<string>();
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute)) != 0) who.Add("its group");
        if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0) who.Add("others");
        return who.Count == 0 ? null : $"{string.Join(" and ", who)} may use it; only root may";
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static ArgumentException Refused(string path, string why) => new($"refusing the token file '{path}': {why}");
}
