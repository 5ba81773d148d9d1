-- A real editor as the language server's client: Neovim (0.7 and later)
-- attaches `rpclint server` to fixture buffers and checks the diagnostics it
-- shows: on open, each line a fixture marks `expect: RULE` carries that
-- rule (and no other line does); after the buffer is edited to the fixture's
-- good form, none. Run by scripts/test-neovim.sh, which passes the paths in
-- RPCLINT_BIN and RPCLINT_NVIM_CASES ("bad:good" pairs, space-separated).
-- Exits 0 when every case passes, 1 otherwise.

local bin = os.getenv("RPCLINT_BIN")
local cases = os.getenv("RPCLINT_NVIM_CASES") or ""
local timeout = 120000
local failed = 0

local function say(text)
  io.stdout:write(text .. "\n")
end

local function fail(text)
  say("FAIL " .. text)
  failed = failed + 1
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    table.insert(lines, line)
  end
  return lines
end

-- { [0-based line] = rule } from the `expect: rule` markers (on the flagged
-- call's first line, as tests/fixtures.rs reads them).
local function expected(lines)
  local out = {}
  for i, line in ipairs(lines) do
    local rule = line:match("expect: ([%w%-]+)")
    if rule then
      out[i - 1] = rule
    end
  end
  return out
end

local function code_of(d)
  if d.code then
    return d.code
  end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end

-- The editor underlines the offending argument, which may sit on a later
-- line of the call than the marker: a diagnostic counts at the nearest
-- marker above it in the same statement (no `;` in between).
local function statement_start(lines, lnum)
  local l = lnum
  while l >= 0 do
    local text = lines[l + 1] or ""
    if l < lnum and text:find(";") then
      break
    end
    if text:match("expect: ") then
      return l
    end
    l = l - 1
  end
  return lnum
end

local function shown(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == "rpclint" then
      out[statement_start(lines, d.lnum)] = code_of(d)
    end
  end
  return out
end

local function same(a, b)
  for k, v in pairs(a) do
    if b[k] ~= v then
      return false
    end
  end
  for k, _ in pairs(b) do
    if a[k] == nil then
      return false
    end
  end
  return true
end

local function describe(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format("%d:%s", k + 1, v))
  end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- Edited buffers stay loaded (and their clients running) until the end.
vim.o.hidden = true

for pair in cases:gmatch("%S+") do
  local bad, good = pair:match("^(.-):(.+)$")
  vim.cmd("edit " .. vim.fn.fnameescape(bad))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({
    name = "rpclint",
    cmd = { bin, "server" },
    root_dir = vim.fn.fnamemodify(bad, ":h"),
  })
  if not client then
    fail(bad .. ": the server did not start")
  else
    vim.lsp.buf_attach_client(buf, client)
    local want = expected(read_lines(bad))
    local arrived = vim.wait(timeout, function()
      return same(shown(buf), want)
    end, 50)
    if arrived then
      say("ok   " .. bad .. ": " .. describe(want))
    else
      fail(bad .. ": shows " .. describe(shown(buf)) .. ", expected " .. describe(want))
    end
    -- The buffer edited (not saved) to the good form: the findings go.
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, read_lines(good))
    local cleared = vim.wait(timeout, function()
      return next(shown(buf)) == nil
    end, 50)
    if cleared then
      say("ok   " .. bad .. " edited to " .. good .. ": no findings")
    else
      fail(bad .. " edited to " .. good .. ": still shows " .. describe(shown(buf)))
    end
  end
end

if failed > 0 then
  vim.cmd("cquit 1")
else
  vim.cmd("qall!")
end
