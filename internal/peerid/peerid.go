// Package peerid classifies Telegram's marked peer ids, as Telethon
// (utils.get_peer_id) and Pyrogram (utils.get_channel_id) mark them: a user
// id as it is, a basic group as −chat_id, a channel or supergroup as
// −(1000000000000 + channel_id). Packages compat and stores share it.
package peerid

// Kind is what a marked id alone says about a peer.
type Kind int

// Kinds.
const (
	User    Kind = iota + 1 // id > 0: a user or a bot
	Chat                    // −999999999999 ≤ id < 0: a basic group
	Channel                 // id ≤ −1000000000000: channel or supergroup
)

// ChannelMark is the offset clients add to channel ids to mark them.
const ChannelMark = 1000000000000

func (k Kind) String() string {
	switch k {
	case User:
		return "user"
	case Chat:
		return "chat"
	case Channel:
		return "channel"
	}
	return "invalid"
}

// Of classifies a marked peer id. It returns 0 for id 0.
func Of(id int64) Kind {
	switch {
	case id > 0:
		return User
	case id == 0:
		return 0
	case id > -ChannelMark:
		return Chat
	default:
		return Channel
	}
}
