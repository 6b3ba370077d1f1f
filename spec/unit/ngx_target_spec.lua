-- Where the cosocket transport connects: names from /etc/hosts, and localhost even without it.
local target = require("onesignal.transport.ngx_target")

describe("the cosocket transport's host lookup", function()
  local path

  before_each(function()
    path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("# comment\n10.1.2.3   api.internal  Alias\n::1 ip6-only\n")
    f:close()
  end)
  after_each(function() os.remove(path) end)

  it("reads names from the hosts file, case-insensitively", function()
    assert.are.equal("10.1.2.3", target.lookup("API.internal", path))
    assert.are.equal("10.1.2.3", target.lookup("alias", path))
    assert.are.equal("[::1]", target.lookup("ip6-only", path))
    assert.is_nil(target.lookup("api.onesignal.com", path))
  end)

  it("knows localhost even when the hosts file does not list it", function()
    assert.are.equal("127.0.0.1", target.lookup("localhost", path))
    assert.are.equal("127.0.0.1", target.lookup("api.localhost", path))
    assert.are.equal("127.0.0.1", target.lookup("LocalHost", "/nonexistent/hosts"))
  end)
end)
