using System.Text;
using System.Text.Json;

namespace Vireo.Qemu.Argv;

internal sealed class ArgvBuilder
{
    public List<string> Args { get; } = [];

    public void Add(string arg) => Args.Add(arg);

    public void Add(string option, string value)
    {
        Args.Add(option);
        Args.Add(value);
    }
}

/// <summary>Small JSON objects for -blockdev, written in a fixed key order so golden files are stable.</summary>
internal static class Json
{
    public static string Object(params (string Key, object? Value)[] members)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (k, v) in members)
            {
                switch (v)
                {
                    case null: w.WriteNull(k); break;
                    case bool b: w.WriteBoolean(k, b); break;
                    case int i: w.WriteNumber(k, i); break;
                    case long l: w.WriteNumber(k, l); break;
                    case string s: w.WriteString(k, s); break;
                    case RawJson r: w.WritePropertyName(k); w.WriteRawValue(r.Text); break;
                    default: throw new ArgumentException($"unsupported JSON value for {k}");
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public sealed record RawJson(string Text);
}
