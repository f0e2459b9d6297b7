using Vireo.Daemon.Hosting;
using Vireo.Host.Interop;

namespace Vireo.Daemon.Tests.Hosting;

/// <summary>The token file of --listen: what vireod accepts, and what it refuses with which reason.</summary>
public class BearerTokenTests : IDisposable
{
    private const string Good = "n3vJ4c0mZ2xw9bQ1rT7yU5iO8pA6sD0fG2hJ4kL6";
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TokenFile(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static string Refusal(string path) => Assert.Throws<ArgumentException>(() => BearerToken.Load(path)).Message;

    [Fact]
    public void A_root_owned_0600_file_is_read_and_its_final_newline_is_not_part_of_the_token()
    {
        var token = BearerToken.Load(TokenFile(Good + "\n"));
        Assert.True(token.Matches(Good));
        Assert.False(token.Matches(Good + "x"));
        Assert.False(token.Matches(Good[..^1]));
        Assert.False(token.Matches(""));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "its mode is 0640: its group may use it")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead, "its mode is 0404: others may use it")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead, "its mode is 0424: its group and others may use it")]
    public void A_file_its_group_or_others_may_use_is_refused(UnixFileMode mode, string why)
    {
        var path = TokenFile(Good, mode);
        Assert.Equal($"refusing the token file '{path}': {why}; only root may (chmod 600 '{path}')", Refusal(path));
    }

    [Fact]
    public void A_file_not_owned_by_root_is_refused_naming_its_owner()
    {
        var path = TokenFile(Good);
        LibC.Chown(path, 65534, -1);
        Assert.Contains("it is owned by uid 65534, not by root", Refusal(path));
    }

    [Theory]
    [InlineData("short-token\n", "the token is 11 bytes long; at least 32 are needed")]
    [InlineData("", "the token is 0 bytes long")]
    [InlineData("two words two words two words two words", "printable ASCII without spaces")]
    [InlineData("tökentökentökentökentökentökentöken", "printable ASCII without spaces")]
    public void A_weak_or_unsendable_token_is_refused(string content, string why) =>
        Assert.Contains(why, Refusal(TokenFile(content)));

    [Fact]
    public void Something_other_than_a_regular_file_is_refused()
    {
        Assert.Contains("it is a directory, not a regular file", Refusal(_dir));
        Assert.Contains("cannot read the token file", Refusal(Path.Combine(_dir, "absent")));
        var fifo = Path.Combine(_dir, "fifo");
        Assert.Equal(0, MkFifo(fifo, 0x180));
        // Opening a fifo for reading would wait for a writer: it is refused by its type, from the open handle.
        Assert.Contains("it is a fifo, not a regular file", Refusal(fifo));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo")]
    private static extern int MkFifo(string path, int mode);
}
