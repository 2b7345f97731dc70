-- Sigil language support for Neovim: starts `sigil --lsp` for `sigil` buffers.
--
--   require('sigil').setup{}                                  -- `sigil` from $PATH
--   require('sigil').setup{ cmd = { '/path/to/sigil', '--lsp', '--log', '/tmp/sigil.log' } }
--
-- Options (all optional):
--   cmd           list: the server command (default { 'sigil', '--lsp' }); a string is
--                 taken as the executable and gets '--lsp' appended
--   root_markers  list of file names marking the workspace root, nearest first
--                 (default { 'sigil.json', '.git' }; no marker: the file's directory)
--   root_dir      string, or function(bufnr) -> string: overrides root_markers
--   init_options  merged over { diagnosticMode = 'push' }
--   filetypes, settings, capabilities, on_attach, name: as for vim.lsp
--
-- Neovim >= 0.11: vim.lsp.config + vim.lsp.enable. 0.8 - 0.10: vim.lsp.start
-- from a FileType autocommand. 0.7: vim.lsp.start_client + buf_attach_client,
-- one client per root directory.
--
-- The server is asked for pushed diagnostics only (diagnosticMode "push"):
-- Neovim >= 0.10 also pulls diagnostics when the server offers them, and
-- would then show each one twice.
local M = {}

local uv = vim.uv or vim.loop

local defaults = {
  name = 'sigil',
  cmd = { 'sigil', '--lsp' },
  filetypes = { 'sigil' },
  root_markers = { 'sigil.json', '.git' },
  root_dir = nil,
  init_options = { diagnosticMode = 'push' },
  settings = nil,
  capabilities = nil,
  on_attach = nil,
}

M.config = nil          -- the resolved configuration, after setup()
M.api = nil             -- 'vim.lsp.config', 'vim.lsp.start' or 'vim.lsp.start_client'
local clients = {}      -- 0.7 only: root_dir -> client id
local warned = false
local augroup = nil

local function notify(msg, level)
  vim.schedule(function() vim.notify(msg, level or vim.log.levels.ERROR) end)
end

--- The workspace root for `bufnr` (default: the current buffer).
function M.root_dir(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local cfg = M.config or defaults
  if type(cfg.root_dir) == 'string' then return cfg.root_dir end
  if type(cfg.root_dir) == 'function' then return cfg.root_dir(bufnr) end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = name ~= '' and vim.fn.fnamemodify(name, ':p:h') or vim.fn.getcwd()
  for _, marker in ipairs(cfg.root_markers or {}) do
    local d = dir
    while d and d ~= '' do
      if uv.fs_stat(d .. '/' .. marker) then return d end
      local parent = vim.fn.fnamemodify(d, ':h')
      if parent == d then break end
      d = parent
    end
  end
  return dir
end

--- Whether the configured server executable exists; notifies (once) when not.
function M.check_executable()
  local exe = M.config and M.config.cmd[1]
  if exe and vim.fn.executable(exe) == 1 then return true end
  if not warned then
    warned = true
    notify(('sigil: language server executable %q not found; install sigil or pass its path: '
      .. "require('sigil').setup{ cmd = { '/path/to/sigil', '--lsp' } }"):format(tostring(exe)))
  end
  return false
end

local function client_config(bufnr)
  local cfg = M.config
  local root = M.root_dir(bufnr)
  return {
    name = cfg.name,
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = cfg.init_options,
    settings = cfg.settings,
    capabilities = cfg.capabilities,
    on_attach = cfg.on_attach,
  }
end

local function client_alive(id)
  local c = id and vim.lsp.get_client_by_id(id)
  return c ~= nil and not (c.is_stopped and c.is_stopped())
end

--- Start (or reuse) the client for `bufnr` and attach it; returns the client id.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not M.config then M.setup({}) end
  if not M.check_executable() then return nil end
  if vim.lsp.start then
    return vim.lsp.start(client_config(bufnr), { bufnr = bufnr })
  end
  -- Neovim 0.7
  local conf = client_config(bufnr)
  local id = clients[conf.root_dir]
  if not client_alive(id) then
    id = vim.lsp.start_client(conf)
    clients[conf.root_dir] = id
  end
  if id then vim.lsp.buf_attach_client(bufnr, id) end
  return id
end

--- The sigil client attached to `bufnr`, or nil.
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local list
  if vim.lsp.get_clients then
    list = vim.lsp.get_clients({ bufnr = bufnr })
  else
    list = vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
  end
  for _, c in ipairs(list) do
    if c.name == (M.config or defaults).name then return c end
  end
  return nil
end

function M.setup(opts)
  opts = opts or {}
  local cfg = vim.tbl_extend('force', vim.deepcopy(defaults), opts)
  if type(cfg.cmd) == 'string' then cfg.cmd = { cfg.cmd, '--lsp' } end
  cfg.init_options = vim.tbl_deep_extend('force', vim.deepcopy(defaults.init_options), opts.init_options or {})
  M.config = cfg
  warned = false

  -- for plugin managers that do not source ftdetect/ (the ftdetect file does the same)
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { sg = 'sigil' } })
  end

  augroup = vim.api.nvim_create_augroup('sigil_lsp', { clear = true })
  local function sigil_buffers()
    local bufs = {}
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(cfg.filetypes, vim.bo[b].filetype) then
        table.insert(bufs, b)
      end
    end
    return bufs
  end

  if vim.fn.executable(cfg.cmd[1]) ~= 1 then
    -- Say so when a Sigil file is opened, not on every start of Neovim.
    M.api = nil
    vim.api.nvim_create_autocmd('FileType', {
      group = augroup,
      pattern = cfg.filetypes,
      callback = function() M.check_executable() end,
      desc = 'sigil: report the missing language server',
    })
    if #sigil_buffers() > 0 then M.check_executable() end
    return false
  end

  if vim.lsp.config and vim.lsp.enable then
    M.api = 'vim.lsp.config'
    vim.lsp.config(cfg.name, {
      cmd = cfg.cmd,
      filetypes = cfg.filetypes,
      root_dir = function(bufnr, on_dir) on_dir(M.root_dir(bufnr)) end,
      init_options = cfg.init_options,
      settings = cfg.settings,
      capabilities = cfg.capabilities,
      on_attach = cfg.on_attach,
    })
    vim.lsp.enable(cfg.name)
    return true
  end

  M.api = vim.lsp.start and 'vim.lsp.start' or 'vim.lsp.start_client'
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = cfg.filetypes,
    callback = function(args) M.start(args.buf) end,
    desc = 'start the sigil language server',
  })
  -- buffers that were already open when setup() ran
  for _, b in ipairs(sigil_buffers()) do M.start(b) end
  return true
end

return M
