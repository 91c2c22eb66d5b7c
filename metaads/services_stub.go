package metaads

// AccountsService reads ad accounts.
type AccountsService struct{ c *Client }

// CampaignsService reads and updates campaigns.
type CampaignsService struct{ c *Client }

// AdSetsService reads and updates ad sets.
type AdSetsService struct{ c *Client }

// AdsService reads ads.
type AdsService struct{ c *Client }

// CreativesService reads ad creatives.
type CreativesService struct{ c *Client }
