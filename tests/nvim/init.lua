-- Headless Neovim client for the sigil language server (driven by run.sh).
--
-- Environment (all set by run.sh):
--   SIGIL_BIN        absolute path of the sigil binary
--   SIGIL_WORKSPACE  absolute path of a scratch copy of examples/
--   SIGIL_OUT        file to write the results to, one JSON object a line
--   SIGIL_LOG        (optional) server log file, passed as --log
--   SIGIL_SECOND     a second workspace folder, added while the client runs
--
-- Works on Neovim 0.7 (vim.lsp.start_client + buf_attach_client) and on newer
-- releases (vim.lsp.start). Every step writes one JSON line {"step": ...};
-- run.sh makes the assertions, this file only collects facts.

local bin = os.getenv('SIGIL_BIN')
local ws = os.getenv('SIGIL_WORKSPACE')
local out_path = os.getenv('SIGIL_OUT')
local log_path = os.getenv('SIGIL_LOG')
local second = os.getenv('SIGIL_SECOND')
local TIMEOUT = 10000 -- ms, for every wait and every request ...
local BUDGET = 45000  -- ms, ... but all of them together stay under run.sh's 60 s
local uv = vim.uv or vim.loop
local t0 = uv.now()
local function remaining()
  return math.max(100, math.min(TIMEOUT, BUDGET - (uv.now() - t0)))
end

local out = assert(io.open(out_path, 'w'))

local function json(v)
  local ok, s = pcall(vim.fn.json_encode, v)
  if ok then return s end
  return vim.fn.json_encode({ step = 'encode-error', error = tostring(s) })
end

local function emit(t)
  out:write(json(t), '\n')
  out:flush()
end

local function finish(code)
  out:close()
  vim.cmd(code == 0 and 'qa!' or ('cquit! ' .. code))
end

-- Run the whole test in a protected call so a Lua error still ends nvim
-- (and is reported) instead of leaving it waiting for the timeout.
local function main()
  emit({ step = 'nvim', version = vim.version(), has_lsp_start = vim.lsp.start ~= nil })

  local cmd = { bin, '--lsp' }
  if log_path and log_path ~= '' then
    table.insert(cmd, '--log')
    table.insert(cmd, log_path)
  end

  local exited = nil
  local config = {
    name = 'sigil',
    cmd = cmd,
    cmd_cwd = ws,
    root_dir = ws,
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = 'examples' } },
    on_exit = function(code, signal) exited = { code = code, signal = signal } end,
  }

  vim.cmd('edit! ' .. vim.fn.fnameescape(ws .. '/main.sg'))
  local bufnr = vim.api.nvim_get_current_buf()

  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else
    client_id = vim.lsp.start_client(config)
    if client_id then vim.lsp.buf_attach_client(bufnr, client_id) end
  end
  emit({ step = 'start', client_id = client_id, api = vim.lsp.start and 'vim.lsp.start' or 'vim.lsp.start_client' })
  if not client_id then return 2 end

  -- Wait for the server to initialize and publish diagnostics for main.sg.
  vim.wait(remaining(), function()
    return exited ~= nil or #vim.diagnostic.get(bufnr) > 0
  end, 50)
  local got = #vim.diagnostic.get(bufnr) > 0
  -- A short settle so a late second publish (e.g. a duplicate) is also seen.
  if got and not exited then vim.wait(500, function() return exited ~= nil end, 50) end
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(diags, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
      code = d.code,
      namespace = (vim.diagnostic.get_namespace(d.namespace) or {}).name,
      user_data_code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or nil,
    })
  end
  emit({ step = 'diagnostics', timed_out = not got, server_exited = exited, items = diags })
  if exited then return 3 end

  local uri = vim.uri_from_bufnr(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

  -- Position (0-based line, 0-based byte column; main.sg is ASCII so it is
  -- also the UTF-16 column) of `name` inside the first line matching `pattern`.
  -- The `inside` offset moves the cursor into the name, not onto its first byte.
  local function locate(pattern, name)
    for i, l in ipairs(lines) do
      if l:find(pattern) then
        local s = l:find(name, 1, true)
        if s then return { line = i - 1, character = s - 1 + 2 } end
      end
    end
    return nil
  end

  local function request(step, method, pattern, name)
    local pos = locate(pattern, name)
    if not pos then
      emit({ step = step, error = 'pattern not found in main.sg: ' .. pattern })
      return
    end
    local params = { textDocument = { uri = uri }, position = pos }
    local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, remaining())
    local result, rerr = nil, err
    if responses then
      local r = responses[client_id]
      if r then result, rerr = r.result, r.error or r.err end
    end
    emit({ step = step, method = method, name = name, position = pos,
           result = result == nil and vim.NIL or result, error = rerr })
  end

  -- hover: an imported function (brace import) and a local variable
  request('hover_fn', 'textDocument/hover', 'count_where%(books', 'count_where')
  request('hover_let', 'textDocument/hover', 'let total: Float', 'total')
  -- definition: brace-imported function, and a module-qualified function
  request('def_brace', 'textDocument/definition', 'count_where%(books', 'count_where')
  request('def_qualified', 'textDocument/definition', 'catalog%.count_books%(library', 'count_books')

  -- a second workspace folder, added as a user would (:lua
  -- vim.lsp.buf.add_workspace_folder()), then a file of it opened
  if second and second ~= '' then
    vim.lsp.buf.add_workspace_folder(second)
    local folders = {}
    for _, f in ipairs(vim.lsp.buf.list_workspace_folders()) do table.insert(folders, f) end
    vim.cmd('edit! ' .. vim.fn.fnameescape(second .. '/x.sg'))
    local b2 = vim.api.nvim_get_current_buf()
    if not vim.lsp.buf_is_attached(b2, client_id) then vim.lsp.buf_attach_client(b2, client_id) end
    vim.wait(remaining(), function() return exited ~= nil or #vim.diagnostic.get(b2) > 0 end, 50)
    local items = {}
    for _, d in ipairs(vim.diagnostic.get(b2)) do
      table.insert(items, { lnum = d.lnum, col = d.col, code = d.code, message = d.message })
    end
    emit({ step = 'second_folder', folders = folders, items = items })
  end

  vim.lsp.stop_client(client_id)
  vim.wait(2000, function() return exited ~= nil end, 50)
  emit({ step = 'done', server_exited = exited })
  return 0
end

local ok, rc = xpcall(main, debug.traceback)
if not ok then
  emit({ step = 'lua-error', error = rc })
  rc = 4
end
finish(rc)
