-- Headless Neovim test of editors/nvim (driven by run.sh).
--
-- Environment (set by run.sh):
--   SIGIL_BIN        absolute path of the sigil binary (or a missing path, MODE=missing)
--   SIGIL_WORKSPACE  scratch copy of examples/
--   SIGIL_OUT        results file: one "ok NAME" or "FAIL NAME: DETAIL" line per check
--   SIGIL_LOG        server log (passed as --log)
--   SIGIL_MODE       "lsp" (default) or "missing" (the binary does not exist)
local bin = os.getenv('SIGIL_BIN')
local ws = os.getenv('SIGIL_WORKSPACE')
local out = assert(io.open(os.getenv('SIGIL_OUT'), 'a'))
local log = os.getenv('SIGIL_LOG')
local mode = os.getenv('SIGIL_MODE') or 'lsp'
local uv = vim.uv or vim.loop

local function check(name, ok, detail)
  if ok then
    out:write('ok   ', name, '\n')
  else
    out:write('FAIL ', name, detail and (': ' .. tostring(detail)) or '', '\n')
  end
  out:flush()
  return ok
end

local function finish()
  out:close()
  vim.cmd('qa!')
end

local function syn_at(lnum, col)
  local id = vim.fn.synID(lnum, col, 1)
  return vim.fn.synIDattr(id, 'name'), vim.fn.synIDattr(vim.fn.synIDtrans(id), 'name')
end

-- (1-based line, 1-based byte column) of the first occurrence of `needle`
-- on the first line containing `line_has`
local function locate(bufnr, line_has, needle)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  for i, l in ipairs(lines) do
    if l:find(line_has, 1, true) then
      local s = l:find(needle, 1, true)
      if s then return i, s end
    end
  end
  return nil
end

local function expect_syn(bufnr, line_has, needle, group, linked)
  local lnum, col = locate(bufnr, line_has, needle)
  if not lnum then return check(('main.sg has %q'):format(line_has), false) end
  local name, trans = syn_at(lnum, col)
  check(('syntax %s at %q (line %d col %d)'):format(group, needle, lnum, col), name == group,
    ('got %q'):format(name))
  if linked then
    check(('syntax %s is highlighted as %s'):format(group, linked), trans == linked, ('got %q'):format(trans))
  end
end

local function main_lsp()
  local sigil = require('sigil')
  local started = sigil.setup({ cmd = { bin, '--lsp', '--log', log } })
  check('setup() returns true', started == true, tostring(started))
  check('setup() picked an API', sigil.api ~= nil, tostring(sigil.api))
  out:write('     nvim ', tostring(vim.version().major), '.', tostring(vim.version().minor), '.',
    tostring(vim.version().patch), ', API ', tostring(sigil.api), '\n')

  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/main.sg'))
  local bufnr = vim.api.nvim_get_current_buf()

  -- filetype, ftplugin, syntax
  check("filetype == 'sigil'", vim.bo.filetype == 'sigil', vim.bo.filetype)
  check("commentstring from ftplugin", vim.bo.commentstring == '// %s', vim.bo.commentstring)
  check('syntax is sigil', vim.b.current_syntax == 'sigil', tostring(vim.b.current_syntax))
  expect_syn(bufnr, 'import lib.book as bk', 'import', 'sigilInclude', 'PreProc')
  expect_syn(bufnr, 'fn stock()', 'fn', 'sigilFn', 'Statement')
  expect_syn(bufnr, 'fn stock()', 'stock', 'sigilFuncName', 'Identifier')
  expect_syn(bufnr, 'const TODAY', 'Int', 'sigilBuiltinType', 'Type')
  expect_syn(bufnr, 'const TODAY', '45', 'sigilNumber', 'Constant')
  expect_syn(bufnr, '"Dune"', 'Dune', 'sigilString', 'Constant')
  expect_syn(bufnr, '// A tiny library', 'tiny', 'sigilLineComment', 'Comment')
  expect_syn(bufnr, 'for isbn in isbns', 'for', 'sigilRepeat')
  expect_syn(bufnr, 'match catalog.lend', 'match', 'sigilConditional')
  expect_syn(bufnr, 'let mut current', 'let', 'sigilKeyword')
  expect_syn(bufnr, 'fn stock()', 'Catalog', 'sigilType', 'Type')

  -- the language server
  local client
  vim.wait(10000, function()
    client = sigil.get_client(bufnr)
    return client ~= nil
  end, 50)
  if not check('LSP client attached to main.sg', client ~= nil) then return end
  check("client name 'sigil'", client.name == 'sigil', client.name)
  local io_ = client.config.init_options or {}
  check('init_options.diagnosticMode == "push"', io_.diagnosticMode == 'push', vim.inspect(io_))
  check('root_dir is the workspace', client.config.root_dir == ws, tostring(client.config.root_dir))

  local got = vim.wait(15000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  if got then vim.wait(500, function() return false end, 50) end  -- a late duplicate would show
  local diags = vim.diagnostic.get(bufnr)
  if check('diagnostics arrived', got, 'none within 15 s') then
    check('exactly one diagnostic', #diags == 1, vim.inspect(diags))
    local d = diags[1]
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    check('diagnostic code E201', code == 'E201', tostring(code))
    check('diagnostic on 0-based line 64', d.lnum == 64, tostring(d.lnum))
    check('diagnostic is an error', d.severity == vim.diagnostic.severity.ERROR, tostring(d.severity))
  end

  -- root detection: nearest sigil.json wins
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp .. '/proj/src/geo', 'p')
  local f = assert(io.open(tmp .. '/proj/sigil.json', 'w')); f:write('{"src": "src"}\n'); f:close()
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(scratch, tmp .. '/proj/src/geo/shape.sg')
  check('root_dir: nearest sigil.json', sigil.root_dir(scratch) == tmp .. '/proj', sigil.root_dir(scratch))
  vim.api.nvim_buf_delete(scratch, { force = true })
  -- without sigil.json: the directory holding .git
  vim.fn.mkdir(tmp .. '/gitonly/.git', 'p')
  vim.fn.mkdir(tmp .. '/gitonly/src', 'p')
  scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(scratch, tmp .. '/gitonly/src/x.sg')
  check('root_dir without sigil.json: the .git directory', sigil.root_dir(scratch) == tmp .. '/gitonly',
    sigil.root_dir(scratch))
  vim.api.nvim_buf_delete(scratch, { force = true })
  vim.fn.delete(tmp, 'rf')

  -- shutdown
  local id = client.id
  vim.lsp.stop_client(id)
  local stopped = vim.wait(5000, function()
    local c = vim.lsp.get_client_by_id(id)
    return c == nil or (c.is_stopped and c.is_stopped())
  end, 50)
  check('client stops', stopped)
end

local function main_missing()
  local messages = {}
  vim.notify = function(msg, level) table.insert(messages, { msg = msg, level = level }) end
  local sigil = require('sigil')
  local r = sigil.setup({ cmd = { bin, '--lsp' } })
  check('setup() with a missing binary returns false', r == false, tostring(r))
  check('no message before a Sigil file is opened', #messages == 0, vim.inspect(messages))
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/main.sg'))
  vim.wait(1000, function() return #messages > 0 end, 20)
  check('an error message names the missing binary', #messages == 1 and messages[1].msg:find(bin, 1, true) ~= nil
    and messages[1].msg:find('not found', 1, true) ~= nil and messages[1].level == vim.log.levels.ERROR,
    vim.inspect(messages))
  check('no client started', sigil.get_client(0) == nil)
  check("filetype still 'sigil'", vim.bo.filetype == 'sigil', vim.bo.filetype)
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/util/stats.sg'))
  vim.wait(300, function() return #messages > 1 end, 20)
  check('the message is given once', #messages == 1, vim.inspect(messages))
end

local ok, err = xpcall(mode == 'missing' and main_missing or main_lsp, debug.traceback)
check('no Lua error (' .. mode .. ')', ok, err)
finish()
