using Vireo.Host.Interop;

namespace Vireo.Cli.Commands;

/// <summary>
/// Puts the terminal on stdin into raw mode (no echo, no line buffering, Ctrl+] reaches us) and
/// restores it on dispose. Done with tcsetattr directly: running stty would not stick, because the
/// .NET runtime re-applies its saved terminal settings whenever a child process exits.
/// </summary>
public sealed unsafe class RawTerminal : IDisposable
{
    private readonly byte[] _saved = new byte[LibC.TermiosSize];

    private RawTerminal() { }

    public static RawTerminal? Enter()
    {
        var t = new RawTerminal();
        var raw = new byte[LibC.TermiosSize];
        fixed (byte* saved = t._saved)
        fixed (byte* r = raw)
        {
            if (LibC.tcgetattr(0, saved) != 0) return null;
            Buffer.MemoryCopy(saved, r, LibC.TermiosSize, LibC.TermiosSize);
            LibC.cfmakeraw(r);
            return LibC.tcsetattr(0, LibC.TCSANOW, r) == 0 ? t : null;
        }
    }

    public void Dispose()
    {
        fixed (byte* saved = _saved) LibC.tcsetattr(0, LibC.TCSANOW, saved);
    }
}
