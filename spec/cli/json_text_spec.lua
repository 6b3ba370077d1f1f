-- JSON text on the command line: answers laid out without decoding, --json input decoded with [] kept.
local json_text = require("onesignal.cli.json_text")
local json = require("onesignal.json")

describe("onesignal.cli.json_text", function()
  describe("format", function()
    it("indents, keeping key order, numbers and empty containers exactly", function()
      local text = '{"z":1,"a":[1.50,2e3,-0],"e":[],"o":{},"n":null,"t":true,"s":{"k":[{}]}}'
      assert.are.equal(table.concat({
        '{', '  "z": 1,', '  "a": [', '    1.50,', '    2e3,', '    -0', '  ],', '  "e": [],', '  "o": {},',
        '  "n": null,', '  "t": true,', '  "s": {', '    "k": [', '      {}', '    ]', '  }', '}',
      }, "\n"), json_text.format(text, "  "))
    end)

    it("leaves strings alone, brackets, commas, colons, escapes and spaces inside them included", function()
      local text = '{ "a" : "x, [y]: {z}", "b":"say \\"hi\\" \\\\", "c" : "  " }'
      assert.are.equal('{"a":"x, [y]: {z}","b":"say \\"hi\\" \\\\","c":"  "}', json_text.format(text))
    end)

    it("puts a whole document on one line without an indent, and scalars stay as they are", function()
      assert.are.equal('[1,{"a":[]}]', json_text.format(' [ 1 ,\n { "a" : [ ] } ] '))
      assert.are.equal('"text"', json_text.format('"text"', "  "))
      assert.are.equal("42", json_text.format(" 42 ", "  "))
    end)

    it("escapes a control character left raw in a string, and only there", function()
      assert.are.equal('{\n  "a\\u0009": "\\u001b[2J\\u0000"\n}', json_text.format('{"a\t":\t"\27[2J\0"}', "  "))
    end)

    it("gives an unterminated string back unchanged", function()
      assert.are.equal('{"a":"b', json_text.format('{"a":"b', "  "))
    end)
  end)

  describe("items", function()
    it("gives the texts of a top-level field's items as written, whatever they hold", function()
      local text = '{"total":2, "list" : [ {"a":[],"s":"x, ] } \\\" ["} , [1,[2]],"t",1.0 ,null,{}],"z":[9]}'
      assert.are.same({ '{"a":[],"s":"x, ] } \\\" ["}', "[1,[2]]", '"t"', "1.0", "null", "{}" },
        json_text.items(text, "list"))
      assert.are.same({ "9" }, json_text.items(text, "z"))
    end)

    it("finds only a field of the top-level object, never one nested or a string equal to its name", function()
      local text = '{"meta":{"list":[1]},"name":"list","other":["list"],"list":[2]}'
      assert.are.same({ "2" }, json_text.items(text, "list"))
      assert.is_nil(json_text.items('{"meta":{"list":[1]},"name":"list"}', "list"))
    end)

    it("is an empty list for [], nil for null, a missing field or broken text", function()
      assert.are.same({}, json_text.items('{"list":[ ]}', "list"))
      assert.is_nil(json_text.items('{"list":null}', "list"))
      assert.is_nil(json_text.items('{"list":[1', "list"))
      assert.is_nil(json_text.items('{"list":["1', "list"))
    end)
  end)

  describe("decode", function()
    it("marks empty arrays so that they are sent as []", function()
      local value = assert(json_text.decode('{"a":[],"b":{},"c":[[ ]],"d":"[]","e":[1,[]]}'))
      assert.are.equal(json.array_mt, getmetatable(value.a))
      assert.is_nil(getmetatable(value.b))
      assert.are.equal(json.array_mt, getmetatable(value.c[1]))
      assert.are.equal("[]", value.d)
      assert.are.equal(json.array_mt, getmetatable(value.e[2]))
    end)

    it("decodes a top-level empty array", function()
      assert.are.equal(json.array_mt, getmetatable(json_text.decode(" [ ] ")))
    end)

    it("encodes back to what was given, empty arrays included", function()
      local value = json_text.decode('{"list":[],"nested":{"x":[]}}')
      local again = json.encode(value, "test")
      assert.is_truthy(again:find('"list":[]', 1, true))
      assert.is_truthy(again:find('"nested":{"x":[]}', 1, true))
    end)

    it("reports text that is not JSON", function()
      local value, problem = json_text.decode("{oops}")
      assert.is_nil(value)
      assert.is_string(problem)
    end)

    -- The empty arrays stand in as longer text while the decoder reads: the byte named is still the caller's.
    it("names the byte of the text given, after empty arrays too", function()
      local text = '{"included_segments":[],"filters":[ ],"x":nope}'
      local value, problem = json_text.decode(text)
      assert.is_nil(value)
      assert.are.equal("unexpected character 'o' at byte " .. text:find("nope", 1, true) + 1, problem)
      assert.are.same({ nil, "unexpected end of text at byte 6" }, { json_text.decode("[[],[") })
    end)
  end)
end)
