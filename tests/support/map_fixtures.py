"""Recorded response shapes of the map providers (written from their documented formats; the values
are fictional): AMap web service v5 place around/text and driving directions, OSRM route v1."""

from __future__ import annotations

from typing import Any

from cockpit.vehicle import Point
from navigation import polyline

# GCJ-02 coordinates, as AMap answers inside China (about 500 m off the WGS-84 ones in Shanghai).
AMAP_AROUND: dict[str, Any] = {
    "status": "1",
    "info": "OK",
    "infocode": "10000",
    "count": "2",
    "pois": [
        {
            "name": "外滩停车场",
            "id": "B0FFG1PARK",
            "location": "121.494512,31.238203",
            "type": "交通设施服务;停车场;停车场相关",
            "typecode": "150900",
            "pname": "上海市",
            "cityname": "上海市",
            "adname": "黄浦区",
            "address": "中山东一路500号",
            "pcode": "310000",
            "adcode": "310101",
            "citycode": "021",
            "distance": "212",
            "business": {"opentime_today": "00:00-24:00", "opentime_week": "周一至周日 00:00-24:00"},
        },
        {
            "name": "星巴克(外滩店)",
            "id": "B0FFG2CAFE",
            "location": "121.493010,31.236110",
            "type": "餐饮服务;咖啡厅;星巴克咖啡",
            "typecode": "050501",
            "pname": "上海市",
            "cityname": "上海市",
            "adname": "黄浦区",
            "address": [],
            "distance": "388",
            "business": {"opentime_today": "07:00-22:00", "tel": "021-00000000", "rating": "4.6"},
        },
    ],
}

AMAP_TEXT: dict[str, Any] = {
    "status": "1",
    "info": "OK",
    "infocode": "10000",
    "count": "1",
    "pois": [
        {
            "name": "外滩",
            "id": "B00155L3JW",
            "location": "121.490317,31.236305",
            "type": "风景名胜;风景名胜;国家级景点",
            "typecode": "110202",
            "cityname": "上海市",
            "adname": "黄浦区",
            "address": "中山东一路",
        }
    ],
}

AMAP_ERROR: dict[str, Any] = {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
AMAP_NO_ROUTE: dict[str, Any] = {"status": "0", "info": "OVER_DIRECTION_RANGE", "infocode": "20803"}

AMAP_DRIVING: dict[str, Any] = {
    "status": "1",
    "info": "OK",
    "infocode": "10000",
    "count": "1",
    "route": {
        "origin": "121.478127,31.228311",
        "destination": "121.324881,31.192450",
        "taxi_cost": "68",
        "paths": [
            {
                "distance": "19230",
                "restriction": "0",
                "cost": {"duration": "1860", "tolls": "0", "toll_distance": "0", "traffic_lights": "9"},
                "steps": [
                    {
                        "instruction": "向西行驶350米右转进入西藏中路",
                        "orientation": "西",
                        "road_name": "人民大道",
                        "step_distance": "350",
                        "cost": {"duration": "60"},
                        "navi": {"action": "右转", "assistant_action": []},
                        "polyline": "121.478127,31.228311;121.475210,31.228402;121.474520,31.228440",
                    },
                    {
                        "instruction": "沿西藏中路行驶1200米进入匝道",
                        "orientation": "北",
                        "road_name": "西藏中路",
                        "step_distance": "1200",
                        "cost": {"duration": "240"},
                        "navi": {"action": "向左前方行驶", "assistant_action": "进入匝道"},
                        "polyline": "121.474520,31.228440;121.474410,31.236180",
                    },
                    {
                        "instruction": "沿延安高架路行驶17680米到达目的地",
                        "orientation": "西",
                        "road_name": "延安高架路",
                        "step_distance": "17680",
                        "cost": {"duration": "1560"},
                        "navi": {"action": [], "assistant_action": "到达目的地"},
                        "polyline": "121.474410,31.236180;121.400120,31.210440;121.324881,31.192450",
                    },
                ],
            }
        ],
    },
}

_OSRM_LINE = [
    Point(lat=48.1374, lon=11.5755),
    Point(lat=48.1389, lon=11.5661),
    Point(lat=48.1402, lon=11.5600),
    Point(lat=48.1532, lon=11.5581),
    Point(lat=48.1771, lon=11.5562),
]

OSRM_ROUTE: dict[str, Any] = {
    "code": "Ok",
    "routes": [
        {
            "distance": 6120.4,
            "duration": 905.3,
            "weight": 905.3,
            "weight_name": "routability",
            "geometry": polyline.encode(_OSRM_LINE),
            "legs": [
                {
                    "distance": 1402.1,
                    "duration": 260.0,
                    "summary": "Neuhauser Straße",
                    "steps": [
                        {
                            "distance": 720.5,
                            "duration": 130.2,
                            "name": "Kaufingerstraße",
                            "mode": "driving",
                            "maneuver": {
                                "type": "depart",
                                "location": [11.5755, 48.1374],
                                "bearing_after": 272,
                            },
                        },
                        {
                            "distance": 681.6,
                            "duration": 129.8,
                            "name": "Bayerstraße",
                            "mode": "driving",
                            "maneuver": {"type": "turn", "modifier": "right", "location": [11.5661, 48.1389]},
                        },
                        {
                            "distance": 0,
                            "duration": 0,
                            "name": "Bayerstraße",
                            "mode": "driving",
                            "maneuver": {"type": "arrive", "location": [11.56, 48.1402]},
                        },
                    ],
                },
                {
                    "distance": 4718.3,
                    "duration": 645.3,
                    "summary": "Dachauer Straße",
                    "steps": [
                        {
                            "distance": 0,
                            "duration": 0,
                            "name": "Bayerstraße",
                            "mode": "driving",
                            "maneuver": {
                                "type": "depart",
                                "location": [11.56, 48.1402],
                                "bearing_after": 355,
                            },
                        },
                        {
                            "distance": 4718.3,
                            "duration": 645.3,
                            "name": "Dachauer Straße",
                            "mode": "driving",
                            "maneuver": {
                                "type": "fork",
                                "modifier": "slight left",
                                "location": [11.5600, 48.1402],
                            },
                        },
                        {
                            "distance": 0,
                            "duration": 0,
                            "name": "",
                            "mode": "driving",
                            "maneuver": {"type": "arrive", "location": [11.5562, 48.1771]},
                        },
                    ],
                },
            ],
        }
    ],
    "waypoints": [
        {"name": "Kaufingerstraße", "location": [11.5755, 48.1374], "distance": 1.2, "hint": "x"},
        {"name": "Bayerstraße", "location": [11.56, 48.1402], "distance": 0.8, "hint": "y"},
        {"name": "", "location": [11.5562, 48.1771], "distance": 3.1, "hint": "z"},
    ],
}

OSRM_NO_ROUTE: dict[str, Any] = {"code": "NoRoute", "message": "Impossible route between points"}
