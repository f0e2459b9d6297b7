using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vireo.Daemon.Api;
using Vireo.Daemon.Secrets;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// /v1/secrets through vireod's real pipeline, answer by answer, against the bytes vireod sent before its
/// secret service spoke domain types (captured from that code): the CLI and older clients read these.
/// </summary>
public sealed class SecretJsonTests : IAsyncLifetime
{
    private const string Ceph = "95b1ed29-16aa-4e95-9917-c2cd4f3b2791";
    private const string Volume = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
    private const string Loose = "c1f11a6d-8c5d-4a3b-ab7c-fb74dc20eb88";

    private readonly VireoPaths _paths = new(Directory.CreateTempSubdirectory("vireo-secret-json-").FullName);
    private ApiTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _paths.CreateAll();
        _server = await ApiTestServer.StartAsync(SecretEndpoints.Map, services: s => s.AddSingleton(_paths).AddSingleton<SecretService>());
        _server.Services.GetRequiredService<SecretService>().Initialize();
        _http = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_paths.Root, recursive: true);
    }

    private async Task<string> Send(HttpMethod method, string path, string? body = null, string type = "application/json")
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, type);
        using var resp = await _http.SendAsync(req);
        return $"{(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}";
    }

    private Task<string> Define(string xml) => Send(HttpMethod.Post, "/v1/secrets", xml, "application/xml");

    [Fact]
    public async Task Every_answer_is_the_json_vireod_sent_before()
    {
        Assert.Equal($$"""200 {"uuid":"{{Ceph}}","usageType":"ceph","usageId":"client.admin secret","usage":"ceph client.admin secret","private":false,"ephemeral":false,"hasValue":false}""",
            await Define($"<secret ephemeral='no' private='no'><uuid>{Ceph}</uuid><usage type='ceph'><name>client.admin secret</name></usage></secret>"));
        Assert.Equal($$"""200 {"uuid":"{{Volume}}","usageType":"volume","usageId":"/var/lib/vireo/images/a 'b'.qcow2","usage":"volume /var/lib/vireo/images/a 'b'.qcow2","private":true,"ephemeral":false,"hasValue":false}""",
            await Define($"<secret private='yes'><uuid>{Volume}</uuid><description>é</description><usage type='volume'><volume>/var/lib/vireo/images/a 'b'.qcow2</volume></usage></secret>"));
        Assert.Equal($$"""200 {"uuid":"{{Loose}}","usageType":null,"usageId":null,"usage":"Unused","private":false,"ephemeral":true,"hasValue":false}""",
            await Define($"<secret ephemeral='yes'><uuid>{Loose}</uuid></secret>"));

        Assert.Equal($$"""200 {"uuid":"{{Ceph}}","usageType":"ceph","usageId":"client.admin secret","usage":"ceph client.admin secret","private":false,"ephemeral":false,"hasValue":true}""",
            await Send(HttpMethod.Put, $"/v1/secrets/{Ceph}/value", """{"value":"QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="}"""));
        Assert.Equal($$"""200 {"uuid":"{{Loose}}","usageType":null,"usageId":null,"usage":"Unused","private":false,"ephemeral":true,"hasValue":true}""",
            await Send(HttpMethod.Put, $"/v1/secrets/{Loose}/value", """{"value":" aGk= "}"""));
        Assert.Equal("""200 {"value":"QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="}""", await Send(HttpMethod.Get, $"/v1/secrets/{Ceph}/value"));
        Assert.Equal("""200 {"value":"aGk="}""", await Send(HttpMethod.Get, $"/v1/secrets/{Loose}/value"));

        Assert.Equal($$"""200 [{"uuid":"{{Volume}}","usageType":"volume","usageId":"/var/lib/vireo/images/a 'b'.qcow2","usage":"volume /var/lib/vireo/images/a 'b'.qcow2","private":true,"ephemeral":false,"hasValue":false},{"uuid":"{{Ceph}}","usageType":"ceph","usageId":"client.admin secret","usage":"ceph client.admin secret","private":false,"ephemeral":false,"hasValue":true},{"uuid":"{{Loose}}","usageType":null,"usageId":null,"usage":"Unused","private":false,"ephemeral":true,"hasValue":true}]""",
            await Send(HttpMethod.Get, "/v1/secrets"));
        Assert.Equal($$"""200 {"uuid":"{{Ceph}}","usageType":"ceph","usageId":"client.admin secret","usage":"ceph client.admin secret","private":false,"ephemeral":false,"hasValue":true}""",
            await Send(HttpMethod.Get, "/v1/secrets/client.admin%20secret"));
        // One object on its own leaves out what it does not have (the list and the define answer write nulls).
        Assert.Equal($$"""200 {"uuid":"{{Loose}}","usage":"Unused","private":false,"ephemeral":true,"hasValue":true}""",
            await Send(HttpMethod.Get, $"/v1/secrets/{Loose}"));
    }

    [Fact]
    public async Task Xml_and_errors_are_what_vireod_sent_before()
    {
        await Define($"<secret private='yes'><uuid>{Volume}</uuid><usage type='volume'><volume>/v/a.qcow2</volume></usage></secret>");
        using (var req = new HttpRequestMessage(HttpMethod.Get, $"/v1/secrets/{Volume}"))
        {
            req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
            using var resp = await _http.SendAsync(req);
            Assert.Equal($"<secret private='yes'>\n  <uuid>{Volume}</uuid>\n  <usage type='volume'>\n    <volume>/v/a.qcow2</volume>\n  </usage>\n</secret>\n",
                await resp.Content.ReadAsStringAsync());
        }
        Assert.Equal("""409 {"code":"OperationInvalid","message":"operation forbidden: secret is private","details":[]}""",
            await Send(HttpMethod.Get, $"/v1/secrets/{Volume}/value"));
        Assert.Equal($$"""404 {"code":"NoSecret","message":"secret not found: no secret with matching uuid '{{Ceph}}'","details":[]}""",
            await Send(HttpMethod.Get, $"/v1/secrets/{Ceph}"));
        Assert.Equal($$"""404 {"code":"NoSecret","message":"secret not found: no secret with matching uuid '{{Ceph}}'","details":[]}""",
            await Send(HttpMethod.Put, $"/v1/secrets/{Ceph}/value", """{"value":"!!"}"""));
        Assert.Equal("""400 {"code":"InvalidArgument","message":"secret value is not valid base64","details":[]}""",
            await Send(HttpMethod.Put, $"/v1/secrets/{Volume}/value", """{"value":"!!"}"""));
        await Define($"<secret><uuid>{Loose}</uuid></secret>");
        Assert.Equal($$"""404 {"code":"NoSecret","message":"secret '{{Loose}}' does not have a value","details":[]}""",
            await Send(HttpMethod.Get, $"/v1/secrets/{Loose}/value"));
        Assert.Equal("204 ", await Send(HttpMethod.Delete, $"/v1/secrets/{Volume}"));
    }
}
