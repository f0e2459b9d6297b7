using Vireo.Core.Errors;

namespace Vireo.Core.Xml;

/// <summary>
/// A StringWriter ("\n" line ends) that stops at a size limit instead of growing without bound, so
/// indenting a document that the parser accepted can never take unbounded time or memory, and a
/// definition is never written in a form too large to be read back.
/// </summary>
internal sealed class BoundedStringWriter : StringWriter
{
    private readonly int _maxChars;
    private bool _exceeded;

    public BoundedStringWriter(int maxChars)
    {
        _maxChars = maxChars;
        NewLine = "\n";
    }

    public override void Write(char value)
    {
        if (Reserve(1)) base.Write(value);
    }

    public override void Write(string? value)
    {
        if (value is not null && Reserve(value.Length)) base.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        if (Reserve(count)) base.Write(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (Reserve(buffer.Length)) base.Write(buffer);
    }

    private bool Reserve(int count)
    {
        // After the limit was hit, the writer's own flush on dispose must not throw a second time.
        if (_exceeded) return false;
        if (GetStringBuilder().Length + (long)count <= _maxChars) return true;
        _exceeded = true;
        throw new VireoException(ErrorCode.InvalidXml,
            $"the XML would be more than {_maxChars} characters once indented (deep nesting multiplies indentation), over the limit it can be read back with");
    }
}
