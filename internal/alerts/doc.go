// Package alerts sends a shop's alerts to where its managers already are:
// a WeCom group robot or a DingTalk custom robot (issue 17, first slice).
//
// Delivery loses nothing and floods nobody: every message is stored in the
// outbox (models.AlertOutbox) before it is sent; a worker (Service.Run)
// sends due messages, retries with backoff, records every attempt in the
// delivery log, and keeps each channel within its documented rate limit;
// past the limit the waiting messages go out as one summary instead of
// being dropped. One message per event per channel: the outbox's unique
// (channel_id, dedupe_key). A message stored but not yet sent when the
// process stops is sent by the next worker (at least once: a crash after
// the robot accepted a message but before its row was marked sent sends it
// again).
//
// The channels' facts, and where they come from (looked up with the
// search tool; third-party copies of the vendors' pages unless noted):
//
// DingTalk custom robot (自定义机器人), official page
// https://open.dingtalk.com/document/group/custom-robot-access (cited by
// https://learnku.com/articles/68108 and http://zhuoqun.info/article/182):
//   - webhook https://oapi.dingtalk.com/robot/send?access_token=…, POST JSON,
//     UTF-8; message types text, link, markdown, actionCard, feedCard.
//   - security setting 加签: string to sign = timestamp + "\n" + secret,
//     HmacSHA256 keyed with the secret, Base64, then URL-encoded, appended as
//     &timestamp=…&sign=…; timestamp in milliseconds, at most one hour from
//     the robot's clock (https://www.mihaoyun.com/wordpress/?p=391, which
//     quotes the page; https://blog.csdn.net/weixin_31560545/article/details/116255918).
//   - at most 20 messages a minute per robot; past that it is throttled for
//     10 minutes, and the page advises merging many alerts into one markdown
//     summary (https://juejin.cn/post/7129698690297495583,
//     https://help.h3yun.com/contents/1212/2357.html).
//   - error codes 130101 (sending too fast) and 310000 (signature, keyword
//     or IP check failed): taken from the brief; the search found no copy of
//     the error-code table, so they are unverified here. 0 is success.
//
// WeCom group robot (群机器人), official page
// https://developer.work.weixin.qq.com/document/path/91770 (copy:
// https://work.weixin.qq.com/api/doc/90000/90136/91770):
//   - webhook https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, POST JSON.
//   - message types text, markdown, image, news (the page: "文本(text)、
//     markdown(markdown)、图片(image)、图文(news)四种消息类型"); text content
//     at most 2048 bytes, UTF-8.
//   - image: base64 of the picture and the md5 of its bytes before encoding,
//     at most 2 MB, JPG or PNG (https://wodemingzihenchang.github.io/A/API/WXWork-API.html).
//   - markdown content at most 4096 bytes and 20 messages a minute per
//     robot: from the brief and the same page as we remember it; the excerpt
//     the search returned stops before those lines, so unverified here.
//   - error codes 45009 (frequency limit) and 93000 (invalid webhook key):
//     from the brief; not found by the search, unverified.
//
// Where unverified, the simulators (alertsim) and the adapters follow the
// brief; both are written from this list, never from each other.
package alerts
