-- wrk script for bench/bench_intake.py: POST /api/v1/cases with unique, varied bodies, or a plain GET
-- (the request-overhead ceiling). Arguments after `--`:
--   mode       intake | intake-classify | get | write (POST {"key": unique} to path)
--   token      bearer token ("-" for none)
--   data       a Lua file defining POINTS ({lat, lng} inside grids), CODES (region codes), NONCE (8 hex)
--   out        prefix of the per-thread files listing the numbers of the cases answered 201 ("-" for none)
--   path       for modes get and write: the path to GET or POST
-- Prints one line "RESULT {json}" with the status counts and wrk's latency distribution.

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

local CATEGORIES = {
   "marriage_family", "neighbour", "homestead_housing", "contract_debt", "business", "damages",
   "land_forest", "property_mgmt", "traffic", "consumer", "labour_wages", "environment",
   "village_affairs", "medical", "legal_consult", "safety_hazard", "public_service",
}
-- What happened, per category: {N} a name, {P} a place, {D} a number.
local WHAT = {
   marriage_family = { "与丈夫{N}因家庭开支问题长期争吵,近{D}天对方不回家,要求分割共同财产", "儿子{N}拒绝承担赡养义务,老人每月生活费缺口约{D}元,在{P}居住困难" },
   neighbour = { "邻居{N}在{P}楼道堆放杂物{D}余件,占用消防通道,多次协商未果", "楼上住户{N}装修噪音持续{D}天,影响老人休息,{P}物业协调无果" },
   homestead_housing = { "与{N}因宅基地界址发生争议,对方在{P}新建围墙越界约{D}米", "村民{N}翻建房屋挡住采光,涉及{P}北侧{D}户" },
   contract_debt = { "借给{N}的{D}元到期未还,对方在{P}经营店铺,多次催讨不予理睬", "{N}承包的工程款{D}元拖欠一年,地点{P}" },
   business = { "与合伙人{N}在{P}合办养殖场,因分红{D}元发生纠纷", "{N}的加工厂在{P}占用道路卸货,影响周边{D}家商户经营" },
   damages = { "{N}饲养的狗在{P}咬伤路人,医药费{D}元未赔偿", "{N}施工时碰坏我家院墙约{D}米,地点{P}" },
   land_forest = { "与{N}对{P}山林承包边界有争议,涉及林地{D}亩", "{N}在我家承包地{P}插种作物,侵占约{D}分地" },
   property_mgmt = { "{N}小区物业{P}停车费上涨至每月{D}元,业主普遍不满", "物业公司{N}未及时维修{P}电梯,停运已{D}天" },
   traffic = { "电动车与{N}驾驶的小轿车在{P}路口相撞,损失约{D}元,对赔偿有分歧", "{N}倒车时撞伤行人,在{P}附近,医药费{D}元" },
   consumer = { "在{N}的{P}门店购买的冰箱{D}天内出现故障,商家拒绝退换", "{N}预付卡{D}元,{P}门店突然关门无法退款" },
   labour_wages = { "在{N}的工地干活,包工头{P}拖欠工资{D}元", "{N}工厂{P}已{D}个月未发工资,涉及工人多名" },
   environment = { "{N}的养猪场在{P}附近排放污水,气味难闻,影响{D}户居民", "{N}厂区夜间{P}噪音扰民,持续{D}天" },
   village_affairs = { "{N}村委在{P}的集体土地征收补偿{D}元分配不公开", "村民{N}对{P}道路硬化工程{D}万元资金使用有疑问" },
   medical = { "{N}在{P}卫生院治疗后病情加重,对{D}元医疗费用有异议", "家属{N}认为{P}医院手术存在过错,索赔{D}元" },
   legal_consult = { "{N}咨询{P}房屋继承问题,涉及{D}名子女如何分配", "{N}询问{P}土地流转合同{D}年期限是否有效" },
   safety_hazard = { "{N}路段{P}处井盖缺失{D}天,夜间有人摔倒", "{N}的老旧房屋{P}墙体开裂,住着{D}位老人" },
   public_service = { "{N}片区{P}路灯损坏{D}盏,夜间出行不便", "{N}反映{P}公交站点撤销后老人出行要走{D}分钟" },
}
local PLACES = { "东门", "村口", "老街", "河边", "菜场", "三号楼", "祠堂旁", "学校对面", "桥头", "新村", "后山", "工业园" }
local DETAILS = {
   "双方情绪激动,担心矛盾激化。", "已找过村干部调解一次。", "对方态度强硬。", "事情已持续较长时间。",
   "有照片和聊天记录为证。", "周边群众意见较大。", "当事人年纪较大,行动不便。", "", "", "",
}
local ASKS = { "请求调解。", "请求依法处理。", "希望尽快解决。", "请相关部门协调。", "要求赔偿损失。", "请求帮助。" }
local SURNAMES = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗" }
local GIVEN = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "国强", "桂兰" }
local PREFIXES = { "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "189" }
local CHANNELS = { "window", "window", "grid", "hotline", "portal" }

local counter = 0
local out = nil
local pool = {}

local function pick(list) return list[math.random(#list)] end
local function name() return pick(SURNAMES) .. pick(GIVEN) end
local function phone() return pick(PREFIXES) .. string.format("%08d", math.random(0, 99999999)) end

function init(args)
   mode, token, data, outprefix, path = args[1], args[2], args[3], args[4], args[5]
   math.randomseed(os.time() * 1000 + tid * 7919 + math.floor(os.clock() * 1e6))
   if data and data ~= "-" then dofile(data) end
   if outprefix and outprefix ~= "-" then
      out = io.open(outprefix .. "." .. tid, "w")
      out:setvbuf("line")
   end
   -- A pool of repeat respondents (a landlord, an employer…): some parties recur across cases.
   for i = 1, 200 do pool[i] = { name(), phone() } end
   counts = { s200 = 0, s201 = 0, s4xx = 0, s5xx = 0, other = 0 }
   auth = (token and token ~= "-") and ("Bearer " .. token) or nil
end

local function uuid()
   counter = counter + 1
   -- NONCE (per run) - thread - version 4 - variant - counter: unique by construction.
   return string.format("%s-%04x-4%03x-%x%03x-%012x", NONCE, tid, math.random(0, 4095),
      8 + math.random(0, 3), math.random(0, 4095), counter)
end

local function body(with_category)
   local category = pick(CATEGORIES)
   local what = pick(WHAT[category]):gsub("{N}", name()):gsub("{P}", pick(PLACES)):gsub("{D}", tostring(math.random(2, 999)))
   local description = pick(PLACES) .. "群众" .. name() .. "反映:" .. what .. "。" .. pick(DETAILS) .. pick(ASKS)
   local respondent = (math.random() < 0.1) and pool[math.random(#pool)] or { name(), phone() }
   local place
   if math.random() < 0.5 then
      local p = POINTS[math.random(#POINTS)]
      place = string.format('"location":{"lat":%.6f,"lng":%.6f}', p[1], p[2])
   else
      place = string.format('"region_code":"%s"', CODES[math.random(#CODES)])
   end
   local cat = with_category and string.format('"category":"%s",', category) or ""
   return string.format(
      '{"channel":"%s","description":"%s",%s,%s"client_id":"%s","parties":[' ..
      '{"name":"%s","role":"applicant","phone":"%s"},{"name":"%s","role":"respondent","phone":"%s"}]}',
      pick(CHANNELS), description, place, cat, uuid(), name(), phone(), respondent[1], respondent[2])
end

function request()
   if mode == "write" then
      -- the ceiling: an authenticated POST of one field that writes one row
      local headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
      return wrk.format("POST", path, headers, string.format('{"key":"%s"}', uuid()))
   end
   if mode == "get" then
      local headers = auth and { ["Authorization"] = auth } or {}
      return wrk.format("GET", path, headers)
   end
   local headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
   return wrk.format("POST", "/api/v1/cases", headers, body(mode == "intake"))
end

function response(status, headers, resp)
   if status == 201 then
      counts.s201 = counts.s201 + 1
      if out then
         local number = string.match(resp, '"number":%s*"([^"]+)"')
         out:write(number or "?", "\n")
      end
   elseif status == 200 then counts.s200 = counts.s200 + 1
   elseif status >= 500 then counts.s5xx = counts.s5xx + 1
   elseif status >= 400 then
      counts.s4xx = counts.s4xx + 1
      if counts.s4xx <= 3 then io.stderr:write("4xx ", status, " ", string.sub(resp, 1, 300), "\n") end
   else counts.other = counts.other + 1 end
end

function done(summary, latency, requests)
   local totals = { s200 = 0, s201 = 0, s4xx = 0, s5xx = 0, other = 0 }
   for _, thread in ipairs(threads) do
      local c = thread:get("counts")
      for k, v in pairs(c) do totals[k] = totals[k] + v end
   end
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"status":{"200":%d,"201":%d,"4xx":%d,"5xx":%d,"other":%d},' ..
      '"latency_us":{"mean":%.1f,"stdev":%.1f,"min":%d,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      totals.s200, totals.s201, totals.s4xx, totals.s5xx, totals.other,
      latency.mean, latency.stdev, latency.min, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)))
end
